package io.github.swooletask.dispatch;

import io.github.swooletask.wire.OutgoingTask;

/**
 * Packs small tasks several to a message ({@link io.github.swooletask.wire.TaskFlags#BATCH}), one open batch per
 * target (per worker in mode 2, one otherwise). {@link TaskBatcher} batches while a host-local queue has a backlog;
 * {@link GroupCommitBatcher} always, for a transport whose send waits for a round trip. A task accepted into a batch
 * is never dropped silently. Thread-safe.
 */
interface Batcher {

    /** Whether a frame of {@code size} bytes may join a batch. */
    boolean accepts(int size);

    /**
     * Whether every task it accepts is batched, whatever the backlog (the dispatcher asks its backlog estimate
     * otherwise).
     */
    boolean batchesAlways();

    /**
     * Adds a task to the open batch of {@code slot}, first sending what must go before it when it does not fit.
     * @param target the worker of the task (the batch's), or {@link OutgoingTask#ANY_WORKER}
     * @param deliveryFlags flags the dispatcher adds to the task's own
     * @param timeoutNanos how long to wait for room if a batch must go out first
     * @return false if that batch could not be sent in time (the task was not added)
     */
    boolean append(int slot, int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags,
            long timeoutNanos);

    /** Sends what {@code slot} holds before a task travels alone (keeps a producer's order); false if not in time. */
    boolean flush(int slot, long timeoutNanos);

    /** Sends every batch, waiting up to {@code timeoutNanos} for room. */
    void flushAll(long timeoutNanos);

    /** Whether {@code slot} has an open batch (a hint, read without its lock). */
    boolean isOpen(int slot);

    /** Whether the batch of {@code slot} could not be sent and must go out before it takes more tasks. */
    boolean waitsForRoom(int slot);

    /** The transport's capacity in bytes as read when this batcher was made, {@link Long#MAX_VALUE} when unknown. */
    long capacity();

    /**
     * Sends every batch, waiting up to {@code timeoutNanos} for room (producers still waiting give up at once), and
     * stops the batcher's thread.
     */
    void close(long timeoutNanos);
}
