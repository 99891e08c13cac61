package io.github.swooletask.transport;

import java.util.List;

/**
 * A transport's queue as an operator sees it.
 *
 * @param mode the IPC mode
 * @param key the System V key as hex ({@code 0x...}), {@code "private"}, or the socket path in mode 1
 * @param queueId the kernel's queue id, -1 in mode 1
 * @param permissions permission bits in octal, e.g. {@code 0600}
 * @param depth tasks waiting
 * @param bytes bytes waiting
 * @param capacity byte capacity
 * @param lastSenderPid pid of the last sender (0 if unknown)
 * @param lastReceiverPid pid of the last receiver (0 if unknown)
 * @param problems what keeps the transport from taking tasks now (mode 1: its acceptor died or cannot serve new
 * connections); empty when nothing does. A health check says DOWN while it is not empty
 */
public record QueueStatus(IpcMode mode, String key, int queueId, String permissions, long depth, long bytes,
        long capacity, int lastSenderPid, int lastReceiverPid, List<String> problems) {

    /** Copies {@code problems}. */
    public QueueStatus {
        problems = List.copyOf(problems);
    }

    /** A status without problems. */
    public QueueStatus(IpcMode mode, String key, int queueId, String permissions, long depth, long bytes,
            long capacity, int lastSenderPid, int lastReceiverPid) {
        this(mode, key, queueId, permissions, depth, bytes, capacity, lastSenderPid, lastReceiverPid, List.of());
    }
}
