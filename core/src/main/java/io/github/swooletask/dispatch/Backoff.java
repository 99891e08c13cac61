package io.github.swooletask.dispatch;

import java.util.concurrent.locks.LockSupport;

/** The wait between tries to queue into a full queue: spin, then yield, then park up to 100 us. */
final class Backoff {

    private Backoff() {
    }

    static void pause(int attempt) {
        if (attempt < 64) {
            Thread.onSpinWait();
        }
        else if (attempt < 128) {
            Thread.yield();
        }
        else {
            LockSupport.parkNanos(Math.min(100_000L, 10_000L << Math.min(attempt - 128, 4)));
        }
    }
}
