package io.github.swooletask.worker;

import org.slf4j.Logger;

import io.github.swooletask.wire.FrameRejectedException;

/** Logs each rejected message once, but no more than a burst per second per worker. One per worker thread. */
final class RejectionLog {

    private static final int BURST = 20;

    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final Logger logger;

    private long windowStart;

    private int inWindow;

    private long suppressed;

    RejectionLog(Logger logger) {
        this.logger = logger;
    }

    void log(String worker, FrameRejectedException ex) {
        long now = System.nanoTime();
        if (now - this.windowStart > WINDOW_NANOS) {
            if (this.suppressed > 0) {
                this.logger.warn("{} rejected {} more messages without logging each", worker,
                        this.suppressed);
            }
            this.windowStart = now;
            this.inWindow = 0;
            this.suppressed = 0;
        }
        if (++this.inWindow <= BURST) {
            this.logger.warn("{} rejected a message: {}", worker, ex.getMessage());
        }
        else {
            this.suppressed++;
        }
    }
}
