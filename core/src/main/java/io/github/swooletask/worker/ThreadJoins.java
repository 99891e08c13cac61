package io.github.swooletask.worker;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Waiting for threads to end by a shared deadline. */
final class ThreadJoins {

    private ThreadJoins() {
    }

    /**
     * Joins each thread in turn until {@code deadlineNanos} ({@link System#nanoTime()}); an interrupt ends the wait
     * early and stays set.
     */
    static void joinAll(List<Thread> threads, long deadlineNanos) {
        for (Thread thread : threads) {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedJoin(thread, left);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
