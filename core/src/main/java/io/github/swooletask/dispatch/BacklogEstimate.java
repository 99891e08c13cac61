package io.github.swooletask.dispatch;

import java.util.function.LongSupplier;

/**
 * Whether the queue holds enough of a dispatcher's messages that a task sent now would wait anyway: the messages
 * sent minus those the workers took, against a threshold, which is lower for large messages (an eighth of the
 * queue's bytes is a backlog too: two batches of 7 KiB fill a queue of 16 KiB). Messages that will never be
 * received (lost with a removed queue, taken by another consumer) would keep that estimate high for good, so at
 * most once per check interval a claimed backlog is checked against the queue's real depth: when the queue is
 * empty and the workers took nothing since the last check, the estimate is written off. Pure apart from the depth
 * probe it is given; thread-safe (racing updates only delay a write-off).
 */
final class BacklogEstimate {

    private final long threshold;

    private final long byteThreshold;

    private final long checkIntervalNanos;

    /** Messages sent that will never be received. */
    private volatile long lost;

    private volatile long checkedAt;

    private volatile long receivedAtCheck = -1;

    /**
     * @param threshold messages waiting from which a backlog is claimed
     * @param checkIntervalNanos least time between two checks of the real depth
     */
    BacklogEstimate(long threshold, long checkIntervalNanos) {
        this(threshold, Long.MAX_VALUE, checkIntervalNanos);
    }

    /**
     * @param threshold messages waiting from which a backlog is claimed
     * @param byteThreshold bytes waiting (messages waiting times the size of the last one) from which a backlog is
     * claimed too
     * @param checkIntervalNanos least time between two checks of the real depth
     */
    BacklogEstimate(long threshold, long byteThreshold, long checkIntervalNanos) {
        this.threshold = threshold;
        this.byteThreshold = byteThreshold;
        this.checkIntervalNanos = checkIntervalNanos;
    }

    /** The byte threshold for a queue of {@code capacity} bytes: an eighth of it (none when it is unknown). */
    static long byteThresholdFor(long capacity) {
        return (capacity > 0 && capacity < Long.MAX_VALUE) ? Math.max(1, capacity / 8) : Long.MAX_VALUE;
    }

    /** Messages of {@code messageBytes} waiting from which a backlog is claimed. */
    long messagesFor(int messageBytes) {
        if (messageBytes <= 0 || this.byteThreshold == Long.MAX_VALUE) {
            return this.threshold;
        }
        long bySize = (this.byteThreshold + messageBytes - 1) / messageBytes;
        return Math.max(1, Math.min(this.threshold, bySize));
    }

    /** The threshold for {@code workers} workers: twice their number, at least 2. */
    static long thresholdFor(int workers) {
        return Math.max(2, 2L * workers);
    }

    /**
     * @param sent messages this dispatcher sent so far
     * @param received messages the workers took so far
     * @param lastBytes the size of the last message sent, 0 when unknown
     * @param clock the time now ({@link System#nanoTime()}), read only when a backlog is claimed
     * @param depth reads the queue's real depth (messages); its failure means no backlog
     */
    boolean hasBacklog(long sent, long received, int lastBytes, LongSupplier clock, LongSupplier depth) {
        long threshold = messagesFor(lastBytes);
        return sent - received - this.lost >= threshold
                && hasBacklog(sent, received, threshold, clock.getAsLong(), depth);
    }

    /**
     * The estimate against the threshold alone, without the clock or a check of the real depth: for a task that
     * joins a batch already open (the check was made when it opened).
     */
    boolean exceedsThreshold(long sent, long received, int lastBytes) {
        return sent - received - this.lost >= messagesFor(lastBytes);
    }

    /**
     * @param sent messages this dispatcher sent so far
     * @param received messages the workers took so far
     * @param nowNanos the time now ({@link System#nanoTime()})
     * @param depth reads the queue's real depth (messages); its failure means no backlog
     */
    boolean hasBacklog(long sent, long received, long nowNanos, LongSupplier depth) {
        return hasBacklog(sent, received, this.threshold, nowNanos, depth);
    }

    private boolean hasBacklog(long sent, long received, long threshold, long nowNanos, LongSupplier depth) {
        long estimate = sent - received - this.lost;
        if (estimate < threshold) {
            return false;
        }
        if (nowNanos - this.checkedAt > this.checkIntervalNanos) {
            this.checkedAt = nowNanos;
            boolean idle = received == this.receivedAtCheck;
            this.receivedAtCheck = received;
            if (idle) {
                try {
                    if (depth.getAsLong() == 0) {
                        this.lost += estimate;
                        return false;
                    }
                }
                catch (RuntimeException ex) {
                    return false;
                }
            }
        }
        return true;
    }
}
