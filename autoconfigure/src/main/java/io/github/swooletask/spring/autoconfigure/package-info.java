/**
 * Auto-configuration of swoole-task: the {@code swoole.task.*} properties, the beans, the transport factory and
 * the failure analyzers that name the property to change.
 */
@NullMarked
package io.github.swooletask.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
