package io.github.swooletask.concurrent;

import java.util.function.BooleanSupplier;

/**
 * How a thread waits after a try that made no progress (a full queue, a failed receive, a batch not due yet):
 * the {@code attempt}-th consecutive idle call may spin, yield or park. Implementations are stateless and
 * thread-safe, so one instance serves every thread; callers count their own attempts and start again at 0 after
 * progress. A park can end early (spurious wake-up, {@code unpark}); callers re-check their condition.
 */
@FunctionalInterface
public interface IdleStrategy {

    /** Waits once, as the {@code attempt}-th (0-based) consecutive idle call. */
    void idle(int attempt);

    /**
     * Idles until {@code deadlineNanos} ({@link System#nanoTime()} time) or until {@code stop} turns true, checking
     * {@code stop} between waits.
     * @return true when the deadline came, false when {@code stop} ended the wait first
     */
    default boolean idleUntil(long deadlineNanos, BooleanSupplier stop) {
        for (int attempt = 0; !stop.getAsBoolean(); attempt++) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                return true;
            }
            idle(attempt);
        }
        return false;
    }
}
