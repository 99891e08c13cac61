/**
 * Many hosts: the Redis Streams transport (consumer group, acknowledgements, claiming, trimming, dead letters) and the
 * result streams of calls across instances, on Lettuce.
 */
@NullMarked
package io.github.swooletask.redis;

import org.jspecify.annotations.NullMarked;
