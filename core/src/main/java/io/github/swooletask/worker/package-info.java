/**
 * Task worker threads: the worker loop, the pool with pause, resume and graceful stop, and their statistics.
 */
@NullMarked
package io.github.swooletask.worker;

import org.jspecify.annotations.NullMarked;
