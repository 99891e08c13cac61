package io.github.swooletask.redis;

import java.time.Duration;

import io.lettuce.core.RedisException;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.models.stream.PendingMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;

/**
 * Keeps the streams from growing without end: once a second it trims every entry older than the oldest one the
 * group still needs (the oldest pending entry, or, when nothing is pending, the last one delivered) with
 * {@code XTRIM MINID}, and tells the transport the length that is left. Entries not yet delivered and pending ones
 * are never trimmed. One daemon thread per transport.
 */
final class StreamTrimmer implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(StreamTrimmer.class);

    private static final IdleStrategy INTERVAL = BackoffIdleStrategy.parking(Duration.ofSeconds(1));

    private final RedisStreamsTransport transport;

    private final Thread thread;

    private volatile boolean stopped;

    private long failures;

    StreamTrimmer(RedisStreamsTransport transport) {
        this.transport = transport;
        this.thread = new Thread(this, "swoole-task-redis-trimmer");
        this.thread.setDaemon(true);
    }

    void start() {
        this.thread.start();
    }

    void stop() {
        this.stopped = true;
        this.thread.interrupt();
    }

    @Override
    public void run() {
        while (!this.stopped) {
            INTERVAL.idle(0);
            if (this.stopped) {
                break;
            }
            try {
                trimOnce();
                this.failures = 0;
            }
            catch (RedisException ex) {
                if (this.failures++ == 0) {
                    logger.warn("Cannot trim stream {}, will try again: {}", this.transport.settings().stream(),
                            ex.getMessage());
                }
            }
        }
    }

    /** Trims each stream up to the oldest entry the group still needs; returns the entries removed. */
    long trimOnce() {
        long removed = 0;
        long length = 0;
        for (byte[] key : this.transport.streams()) {
            String keep = oldestNeeded(key);
            if (keep != null) {
                Long n = this.transport.commands().xtrim(key, XTrimArgs.Builder.minId(keep));
                removed += (n != null) ? n : 0;
            }
            Long left = this.transport.commands().xlen(key);
            length += (left != null) ? left : 0;
        }
        this.transport.lengthIs(length);
        return removed;
    }

    /** The id from which entries must stay, or null when the group has not delivered anything yet. */
    private String oldestNeeded(byte[] key) {
        PendingMessages pending = this.transport.commands().xpending(key, this.transport.group());
        if (pending.getCount() > 0) {
            return pending.getMessageIds().getLower().getValue();
        }
        Object lastDelivered = this.transport.groupInfo(key).get("last-delivered-id");
        if (lastDelivered == null || "0-0".equals(lastDelivered)) {
            return null;
        }
        // everything up to the last delivered entry is acknowledged: keep from the one after it
        return nextId(lastDelivered.toString());
    }

    private static String nextId(String id) {
        int dash = id.indexOf('-');
        if (dash < 0) {
            return id;
        }
        return id.substring(0, dash + 1) + (Long.parseUnsignedLong(id.substring(dash + 1)) + 1);
    }
}
