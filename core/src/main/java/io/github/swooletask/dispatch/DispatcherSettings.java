package io.github.swooletask.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import io.github.swooletask.wire.WireFormat;

/**
 * How a {@link TaskDispatcher} behaves.
 *
 * @param workerCount workers reading the transport
 * @param fullQueuePolicy what a dispatch does when the queue is full
 * @param dispatchTimeout how long {@link FullQueuePolicy#BLOCK} waits for room
 * @param workerSelector picks the worker of an undirected task in ipc-mode 2 (the pool's idle-first choice, or
 * {@link #roundRobin})
 * @param batching whether small tasks travel several to a message while the queue has a backlog (only in the
 * 12-byte layout: a batch is this project's own frame, which other programs cannot read)
 * @param wireFormat the layout tasks are written in
 */
public record DispatcherSettings(int workerCount, FullQueuePolicy fullQueuePolicy, Duration dispatchTimeout,
        IntSupplier workerSelector, Batching batching, WireFormat wireFormat) {

    public DispatcherSettings {
        if (workerCount < 1) {
            throw new IllegalArgumentException("worker count must be at least 1, was " + workerCount);
        }
        Objects.requireNonNull(fullQueuePolicy, "fullQueuePolicy");
        Objects.requireNonNull(dispatchTimeout, "dispatchTimeout");
        Objects.requireNonNull(workerSelector, "workerSelector");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(wireFormat, "wireFormat");
    }

    /** Blocking up to 10 s on a full queue, round robin over the workers, no batching. */
    public static DispatcherSettings of(int workerCount) {
        return new DispatcherSettings(workerCount, FullQueuePolicy.BLOCK, Duration.ofSeconds(10),
                roundRobin(workerCount), Batching.OFF, WireFormat.SWOOLE_1_7);
    }

    public DispatcherSettings withFullQueuePolicy(FullQueuePolicy policy, Duration timeout) {
        return new DispatcherSettings(this.workerCount, policy, timeout, this.workerSelector, this.batching,
                this.wireFormat);
    }

    public DispatcherSettings withWorkerSelector(IntSupplier selector) {
        return new DispatcherSettings(this.workerCount, this.fullQueuePolicy, this.dispatchTimeout, selector,
                this.batching, this.wireFormat);
    }

    public DispatcherSettings withBatching(Batching batching) {
        return new DispatcherSettings(this.workerCount, this.fullQueuePolicy, this.dispatchTimeout,
                this.workerSelector, batching, this.wireFormat);
    }

    /** Tasks written in this layout (the 12-byte one by default). */
    public DispatcherSettings withWireFormat(WireFormat format) {
        return new DispatcherSettings(this.workerCount, this.fullQueuePolicy, this.dispatchTimeout,
                this.workerSelector, this.batching, format);
    }

    /**
     * Whether small tasks are batched: batching is on, a dispatch may wait ({@link FullQueuePolicy#BLOCK}), and
     * tasks travel in the 12-byte layout.
     */
    boolean batches() {
        return this.batching.enabled() && this.fullQueuePolicy == FullQueuePolicy.BLOCK
                && this.wireFormat == WireFormat.SWOOLE_1_7;
    }

    /** Worker 0, 1, ... {@code n - 1}, 0, ... in turn. */
    public static IntSupplier roundRobin(int n) {
        AtomicInteger turns = new AtomicInteger();
        return () -> (turns.getAndIncrement() & Integer.MAX_VALUE) % n;
    }

    /**
     * Batching of small tasks while the queue has a backlog.
     *
     * @param enabled whether to batch at all
     * @param linger longest time an open batch waits for more tasks
     * @param receivedMessages messages the workers have taken so far (the pool's
     * {@code statistics()::receivedCount}): with the messages sent it tells the backlog
     */
    public record Batching(boolean enabled, Duration linger, LongSupplier receivedMessages) {

        /** No batching: every task travels alone. */
        public static final Batching OFF = new Batching(false, Duration.ZERO, () -> 0);

        /** Batching with this linger, reading the backlog from {@code receivedMessages}. */
        public static Batching on(Duration linger, LongSupplier receivedMessages) {
            return new Batching(true, linger, receivedMessages);
        }
    }
}
