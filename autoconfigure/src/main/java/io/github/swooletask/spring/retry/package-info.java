/**
 * Retry of failed handlers under a Spring {@link org.springframework.core.retry.RetryPolicy} with a wait that a
 * shutdown cuts short, and the default recoverer that keeps failed tasks as dead-letter files.
 */
@NullMarked
package io.github.swooletask.spring.retry;

import org.jspecify.annotations.NullMarked;
