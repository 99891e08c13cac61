/**
 * Test support for applications that use swoole-task: {@link io.github.swooletask.test.SwooleTaskTestHarness} posts
 * tasks as other programs write them, awaits handler runs and shows what the application dispatched, on the
 * in-memory transport of {@code swoole.task.transport=in-memory}.
 */
@NullMarked
package io.github.swooletask.test;

import org.jspecify.annotations.NullMarked;
