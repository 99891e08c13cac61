package io.github.swooletask.concurrent;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Spins first, then yields, then parks for a time that doubles from {@code minPark} up to {@code maxPark}: the
 * shape of Agrona's {@code BackoffIdleStrategy}, without its per-thread state. Thread-safe.
 */
public final class BackoffIdleStrategy implements IdleStrategy {

    private final int spins;

    private final int yields;

    private final long minParkNanos;

    private final long maxParkNanos;

    /**
     * @param spins idle calls that spin ({@link Thread#onSpinWait()})
     * @param yields further idle calls that yield
     * @param minPark the first park
     * @param maxPark the longest park
     */
    public BackoffIdleStrategy(int spins, int yields, Duration minPark, Duration maxPark) {
        if (spins < 0 || yields < 0) {
            throw new IllegalArgumentException("spins and yields must not be negative");
        }
        if (minPark.isNegative() || minPark.isZero() || maxPark.compareTo(minPark) < 0) {
            throw new IllegalArgumentException("parks must be positive with minPark <= maxPark, were " + minPark
                    + " and " + maxPark);
        }
        this.spins = spins;
        this.yields = yields;
        this.minParkNanos = minPark.toNanos();
        this.maxParkNanos = maxPark.toNanos();
    }

    /** Parks for the same time on every call. */
    public static BackoffIdleStrategy parking(Duration park) {
        return new BackoffIdleStrategy(0, 0, park, park);
    }

    @Override
    public void idle(int attempt) {
        if (attempt < this.spins) {
            Thread.onSpinWait();
        }
        else if (attempt < this.spins + this.yields) {
            Thread.yield();
        }
        else {
            LockSupport.parkNanos(parkNanos(attempt));
        }
    }

    /** How long the {@code attempt}-th idle call parks (0 while it spins or yields). */
    public long parkNanos(int attempt) {
        int step = attempt - this.spins - this.yields;
        if (step < 0) {
            return 0;
        }
        long park = this.minParkNanos;
        for (int i = 0; i < step && park < this.maxParkNanos; i++) {
            park <<= 1;
        }
        return Math.min(park, this.maxParkNanos);
    }

    @Override
    public String toString() {
        return "BackoffIdleStrategy[spins=" + this.spins + ", yields=" + this.yields + ", park="
                + Duration.ofNanos(this.minParkNanos) + ".." + Duration.ofNanos(this.maxParkNanos) + "]";
    }
}
