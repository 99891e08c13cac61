/**
 * Retry of failed handlers and the default recoverer that keeps failed tasks as dead-letter files.
 */
@NullMarked
package io.github.swooletask.spring.retry;

import org.jspecify.annotations.NullMarked;
