package io.github.swooletask.spring.retry;

import java.time.Duration;
import java.util.List;

/**
 * How often and how long to wait before running a failed task again, in the shape of Boot's
 * {@code RetryPolicySettings}: the n-th retry waits {@code delay * multiplier^(n-1)}, at most {@code maxDelay}.
 *
 * @param maxRetries retries after the first attempt (0 = none)
 * @param delay wait before the first retry
 * @param multiplier growth of the wait per retry
 * @param maxDelay longest wait
 * @param excludes exception types never retried (a handler's own verdict, e.g. invalid input)
 */
public record RetryBackoff(long maxRetries, Duration delay, double multiplier, Duration maxDelay,
        List<Class<? extends Throwable>> excludes) {

    /** No retry. */
    public static final RetryBackoff NONE = new RetryBackoff(0, Duration.ZERO, 1.0, Duration.ZERO, List.of());

    public RetryBackoff {
        excludes = List.copyOf(excludes);
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max-retries must not be negative, was " + maxRetries);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be at least 1.0, was " + multiplier);
        }
    }

    /** Whether a failure of this kind is worth another attempt. */
    public boolean retries(Throwable failure) {
        for (Class<? extends Throwable> excluded : this.excludes) {
            if (excluded.isInstance(failure)) {
                return false;
            }
        }
        return true;
    }

    /** The wait before retry {@code retry} (1-based), in nanoseconds. */
    public long delayNanos(long retry) {
        double nanos = this.delay.toNanos() * Math.pow(this.multiplier, retry - 1);
        return (long) Math.min(nanos, this.maxDelay.toNanos());
    }
}
