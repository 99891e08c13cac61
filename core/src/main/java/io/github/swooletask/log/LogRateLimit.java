package io.github.swooletask.log;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Lets at most a burst of log lines of one kind through per time window and counts the rest, so that a flood (a
 * thousand connections refused, a peer that keeps failing) costs a few lines that say how many were left out.
 * Thread-safe.
 *
 * <pre>{@code
 * long skipped = this.refusals.permit();
 * if (skipped >= 0) {
 *     logger.warn("Refused a connection ...{}", LogRateLimit.skippedNote(skipped));
 * }
 * }</pre>
 */
public final class LogRateLimit {

    private final int burst;

    private final long windowNanos;

    private final LongSupplier clock;

    private long windowStart;

    private int inWindow;

    private long skipped;

    /**
     * @param burst lines let through per window (at least 1)
     * @param window the window
     */
    public LogRateLimit(int burst, Duration window) {
        this(burst, window, System::nanoTime);
    }

    LogRateLimit(int burst, Duration window, LongSupplier clock) {
        if (burst < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a log rate limit needs a burst of at least 1 and a positive window, got "
                    + burst + " per " + window);
        }
        this.burst = burst;
        this.windowNanos = window.toNanos();
        this.clock = clock;
        this.windowStart = clock.getAsLong() - this.windowNanos;
    }

    /**
     * Asks to log one event now.
     * @return -1 when the line must be left out (it is counted), otherwise how many were left out since the last line
     * that was let through (0 or more)
     */
    public synchronized long permit() {
        long now = this.clock.getAsLong();
        if (now - this.windowStart >= this.windowNanos) {
            this.windowStart = now;
            this.inWindow = 0;
        }
        if (this.inWindow >= this.burst) {
            this.skipped++;
            return -1;
        }
        this.inWindow++;
        long before = this.skipped;
        this.skipped = 0;
        return before;
    }

    /** Lines left out since the last one let through. */
    public synchronized long skipped() {
        return this.skipped;
    }

    /** {@code ""} for 0, otherwise a note such as {@code " (12 more like it not logged)"} to end a line with. */
    public static String skippedNote(long skipped) {
        return (skipped <= 0) ? "" : " (" + skipped + " more like it not logged)";
    }
}
