package io.github.swooletask.transport;

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
 */
public record QueueStatus(IpcMode mode, String key, int queueId, String permissions, long depth, long bytes,
        long capacity, int lastSenderPid, int lastReceiverPid) {
}
