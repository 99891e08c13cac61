package io.github.swooletask.spring.retry;

import org.springframework.core.retry.RetryPolicy;
import org.springframework.util.backoff.BackOffExecution;

/**
 * The retries of one task under a Spring {@link RetryPolicy}: whether a failure is retried
 * ({@link RetryPolicy#shouldRetry}), how long to wait before the next run (the policy's
 * {@link org.springframework.util.backoff.BackOff}, e.g. an exponential one with jitter, which also ends the
 * retries after the maximum) and the policy's timeout, if it has one. The waiting itself is the caller's
 * ({@link RetryWait}), so that a shutdown can cut it short. Not thread-safe: one task, one thread.
 */
public final class RetrySchedule {

    /** No further run. */
    public static final long STOP = BackOffExecution.STOP;

    private final RetryPolicy policy;

    private final BackOffExecution backOff;

    private final long timeoutNanos;

    private final long startedAt;

    private RetrySchedule(RetryPolicy policy) {
        this.policy = policy;
        this.backOff = policy.getBackOff().start();
        this.timeoutNanos = policy.getTimeout().toNanos();
        this.startedAt = System.nanoTime();
    }

    /** The retries of a task whose first run just failed. */
    public static RetrySchedule start(RetryPolicy policy) {
        return new RetrySchedule(policy);
    }

    /**
     * @param failure what the last run threw
     * @return the wait before the next run in milliseconds, or {@link #STOP} when the task is not run again: the
     *     policy does not retry this failure, the retries are used up, or the wait would end past the timeout
     */
    public long nextDelayMillis(Throwable failure) {
        if (!this.policy.shouldRetry(failure)) {
            return STOP;
        }
        long delay = this.backOff.nextBackOff();
        if (delay == BackOffExecution.STOP) {
            return STOP;
        }
        if (this.timeoutNanos > 0
                && System.nanoTime() - this.startedAt + delay * 1_000_000L > this.timeoutNanos) {
            return STOP;
        }
        return delay;
    }
}
