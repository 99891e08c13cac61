/**
 * System V message queues (ipc-mode 2 and 3): the one class that calls native code, errno turned into exceptions,
 * the queue handle and the transport over it.
 */
@NullMarked
package io.github.swooletask.sysv;

import org.jspecify.annotations.NullMarked;
