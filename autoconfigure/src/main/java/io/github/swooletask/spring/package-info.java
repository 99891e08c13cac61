/**
 * The user API of swoole-task for Spring: {@code @TaskHandler}, {@code TaskContext}, {@code TaskOperations} and its
 * {@code TaskTemplate}, the recoverer and the execution listener.
 */
@NullMarked
package io.github.swooletask.spring;

import org.jspecify.annotations.NullMarked;
