/**
 * The Micrometer meters of swoole-task.
 */
@NullMarked
package io.github.swooletask.spring.metrics;

import org.jspecify.annotations.NullMarked;
