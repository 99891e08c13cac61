/**
 * Auto-configuration of the Redis Streams transport.
 */
@NullMarked
package io.github.swooletask.spring.autoconfigure.redis;

import org.jspecify.annotations.NullMarked;
