package io.github.swooletask.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts handled tasks for one phase at a time (warm-up, then the timed run) and notes when the first and the last
 * task of the phase were handled. {@link #record} is what every benchmarked handler does per task: one atomic
 * increment, one length check. Thread-safe.
 */
public final class TaskCounter {

    private final AtomicLong phaseCount = new AtomicLong();

    /** Tasks of the phases before this one; {@link #expect} adds each ended phase's count. */
    private volatile long earlierPhases;

    private final LongAdder wrongLength = new LongAdder();

    private volatile long target = Long.MAX_VALUE;

    private volatile int expectedLength = -1;

    private volatile long firstNanos;

    private volatile long lastNanos;

    private volatile CountDownLatch done = new CountDownLatch(1);

    /** Starts a phase that ends when {@code tasks} more tasks were handled. Call while no task is in flight. */
    public void expect(long tasks, int payloadLength) {
        this.expectedLength = payloadLength;
        this.firstNanos = 0;
        this.lastNanos = 0;
        this.done = new CountDownLatch(1);
        this.earlierPhases += this.phaseCount.getAndSet(0);
        this.target = tasks;
        if (tasks == 0) {
            this.done.countDown();
        }
    }

    /** Counts one handled task whose payload had {@code length} bytes. */
    public void record(int length) {
        if (length != this.expectedLength) {
            this.wrongLength.increment();
        }
        long n = this.phaseCount.incrementAndGet();
        if (n == 1) {
            this.firstNanos = System.nanoTime();
        }
        if (n == this.target) {
            this.lastNanos = System.nanoTime();
            this.done.countDown();
        }
    }

    /**
     * Waits until the phase is complete, failing when no task was handled for {@code stallSeconds}.
     * @throws IllegalStateException when the count stalls
     */
    public void awaitPhase(long stallSeconds, String what) throws InterruptedException {
        awaitPhase(stallSeconds, what, () -> { });
    }

    /**
     * Like {@link #awaitPhase(long, String)}, running {@code check} (which may throw to give up early, e.g. when the
     * producing process died) while waiting.
     */
    public void awaitPhase(long stallSeconds, String what, Runnable check) throws InterruptedException {
        long seen = -1;
        long lastProgress = System.nanoTime();
        while (!this.done.await(200, TimeUnit.MILLISECONDS)) {
            check.run();
            long now = this.phaseCount.get();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            }
            else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(stallSeconds)) {
                throw new IllegalStateException(what + ": only " + now + " of " + this.target
                        + " tasks were handled, and none in the last " + stallSeconds + " s");
            }
        }
    }

    /** Tasks handled in the current phase. */
    public long phaseCount() {
        return this.phaseCount.get();
    }

    /** When the phase's first task was handled ({@link System#nanoTime()}). */
    public long firstNanos() {
        return this.firstNanos;
    }

    /** When the phase's last task was handled ({@link System#nanoTime()}). */
    public long lastNanos() {
        return this.lastNanos;
    }

    /** Tasks handled in every phase. */
    public long handled() {
        return this.earlierPhases + this.phaseCount.get();
    }

    /** Tasks whose payload length was not the expected one. */
    public long wrongLength() {
        return this.wrongLength.sum();
    }
}
