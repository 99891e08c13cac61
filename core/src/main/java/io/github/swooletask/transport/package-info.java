/**
 * The transport API only: transport, receiver with its completion step, frame buffer and queue status.
 * Implementations live in peer packages ({@code sysv}, {@code unix}, {@code memory}).
 */
@NullMarked
package io.github.swooletask.transport;

import org.jspecify.annotations.NullMarked;
