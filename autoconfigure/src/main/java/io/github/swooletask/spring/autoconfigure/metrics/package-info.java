/**
 * Auto-configuration of the swoole-task meters.
 */
@NullMarked
package io.github.swooletask.spring.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
