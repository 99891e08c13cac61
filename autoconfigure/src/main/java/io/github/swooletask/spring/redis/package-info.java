/**
 * The Redis Streams transport's own runtime pieces for Spring: the dead-letter recoverer.
 */
@NullMarked
package io.github.swooletask.spring.redis;

import org.jspecify.annotations.NullMarked;
