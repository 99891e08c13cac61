package io.github.swooletask.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.lettuce.core.models.stream.PendingMessage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * One worker's consumer of the consumer group, on a connection of its own (a blocking read holds it). In order, it
 * takes: entries of its own pending list (after a start or a reconnect: delivered to this consumer name before, never
 * acknowledged), entries other consumers left pending for longer than the claim time ({@code XAUTOCLAIM}, checked
 * every half claim time), and new entries ({@code XREADGROUP ... BLOCK}). An entry delivered more often than the
 * delivery limit goes to the dead-letter stream instead of to the worker. {@link #complete()} acknowledges the entry
 * in hand without waiting for the reply (pipelined with the next read); an acknowledgement that failed (Redis was
 * away) is sent again, and the entry is not run again when it comes back from the pending list. Used by one worker
 * thread; {@link #wake()} and {@link #close()} come from others.
 */
final class StreamReceiver implements TaskReceiver {

    private static final Logger logger = LoggerFactory.getLogger(StreamReceiver.class);

    private final RedisStreamsTransport transport;

    private final RedisStreamsSettings settings;

    private final StatefulRedisConnection<byte[], byte[]> connection;

    private final RedisCommands<byte[], byte[]> sync;

    private final RedisAsyncCommands<byte[], byte[]> async;

    private final Consumer<byte[]> consumer;

    private final byte[] group;

    private final byte[][] streams;

    private final XReadArgs.StreamOffset<byte[]>[] newEntries;

    private final XReadArgs.StreamOffset<byte[]>[] ownPending;

    private final XReadArgs readNew;

    private final XReadArgs readPending;

    private final long claimEveryNanos;

    private final ArrayDeque<Taken> taken = new ArrayDeque<>();

    /** Entries whose acknowledgement failed, by id; sent again, and never run again. */
    private final Set<String> unacknowledged = ConcurrentHashMap.newKeySet();

    private boolean ownPendingRead;

    private long nextClaimNanos;

    private @Nullable Taken current;

    private @Nullable String malformed;

    private volatile boolean woken;

    private volatile boolean closed;

    @SuppressWarnings("unchecked")
    StreamReceiver(RedisStreamsTransport transport, StatefulRedisConnection<byte[], byte[]> connection, int worker) {
        this.transport = transport;
        this.settings = transport.settings();
        this.connection = connection;
        this.sync = connection.sync();
        this.async = connection.async();
        this.group = RedisKeys.bytes(this.settings.group());
        this.consumer = Consumer.from(this.group, RedisKeys.bytes(this.settings.consumer(worker)));
        this.streams = this.settings.directed()
                ? new byte[][] { RedisKeys.bytes(this.settings.stream()),
                        RedisKeys.bytes(this.settings.workerStream(worker)) }
                : new byte[][] { RedisKeys.bytes(this.settings.stream()) };
        this.newEntries = new XReadArgs.StreamOffset[this.streams.length];
        this.ownPending = new XReadArgs.StreamOffset[this.streams.length];
        for (int i = 0; i < this.streams.length; i++) {
            this.newEntries[i] = XReadArgs.StreamOffset.lastConsumed(this.streams[i]);
            this.ownPending[i] = XReadArgs.StreamOffset.from(this.streams[i], "0");
        }
        this.readNew = XReadArgs.Builder.count(this.settings.readCount())
            .block(this.settings.blockTimeout().toMillis());
        this.readPending = XReadArgs.Builder.count(this.settings.readCount());
        this.claimEveryNanos = Math.max(Duration.ofSeconds(1).toNanos(), this.settings.claimAfter().toNanos() / 2);
        this.nextClaimNanos = System.nanoTime() + this.claimEveryNanos;
    }

    @Override
    public int receive(FrameBuffer buffer) {
        this.malformed = null;
        while (!this.closed) {
            if (this.woken) {
                this.woken = false;
                return FrameEncoder.encodeWake(buffer.frame());
            }
            Taken next;
            try {
                next = next();
            }
            catch (RedisException ex) {
                if (this.closed) {
                    return CLOSED;
                }
                restartOwnPending();
                throw this.transport.failure("read stream " + this.settings.stream(), ex);
            }
            if (next == null) {
                continue;
            }
            this.current = next;
            byte[] frame = RedisKeys.field(next.message().getBody(), RedisKeys.FRAME);
            if (frame == null) {
                this.malformed = "entry " + next.message().getId() + " of stream " + RedisKeys.text(next.stream())
                        + " has no 'frame' field (its fields: " + RedisKeys.fieldNames(next.message().getBody()) + ")";
                return 0;
            }
            if (frame.length > this.transport.maxFrameSize()) {
                this.malformed = "entry " + next.message().getId() + " of stream " + RedisKeys.text(next.stream())
                        + " holds a frame of " + frame.length + " bytes, over the limit of "
                        + this.transport.maxFrameSize();
                return 0;
            }
            buffer.ensureCapacity(Math.max(frame.length, TaskFrame.HEADER_SIZE));
            buffer.frame().put(0, frame);
            return frame.length;
        }
        return CLOSED;
    }

    /** The next entry to hand out, or null after a read that found none (a block timed out). */
    private @Nullable Taken next() {
        Taken queued = this.taken.poll();
        if (queued != null) {
            return queued;
        }
        retryAcknowledgements();
        if (!this.ownPendingRead) {
            List<StreamMessage<byte[], byte[]>> mine = this.sync.xreadgroup(this.consumer, this.readPending,
                    this.ownPending);
            if (mine.isEmpty()) {
                this.ownPendingRead = true;
            }
            else {
                takeRedelivered(mine);
                advanceOwnPending(mine);
                return this.taken.poll();
            }
        }
        long now = System.nanoTime();
        if (now - this.nextClaimNanos >= 0) {
            this.nextClaimNanos = now + this.claimEveryNanos;
            claim();
            if (!this.taken.isEmpty()) {
                return this.taken.poll();
            }
        }
        List<StreamMessage<byte[], byte[]>> fresh = this.sync.xreadgroup(this.consumer, this.readNew,
                this.newEntries);
        for (StreamMessage<byte[], byte[]> message : fresh) {
            this.taken.add(new Taken(message.getStream(), message, 1));
        }
        return this.taken.poll();
    }

    /** The next read of the pending list goes on after the last entry taken from each stream. */
    private void advanceOwnPending(List<StreamMessage<byte[], byte[]>> read) {
        Map<String, String> last = new HashMap<>();
        for (StreamMessage<byte[], byte[]> message : read) {
            last.put(RedisKeys.text(message.getStream()), message.getId());
        }
        for (int i = 0; i < this.streams.length; i++) {
            String id = last.get(RedisKeys.text(this.streams[i]));
            if (id != null) {
                this.ownPending[i] = XReadArgs.StreamOffset.from(this.streams[i], id);
            }
        }
    }

    /** After a failure: read this consumer's pending list from its start again before anything new. */
    private void restartOwnPending() {
        this.ownPendingRead = false;
        this.taken.clear();
        for (int i = 0; i < this.streams.length; i++) {
            this.ownPending[i] = XReadArgs.StreamOffset.from(this.streams[i], "0");
        }
    }

    /** Entries this consumer had before (a restart, a reconnect): skip the finished ones, count deliveries. */
    private void takeRedelivered(List<StreamMessage<byte[], byte[]>> messages) {
        for (StreamMessage<byte[], byte[]> message : messages) {
            if (this.unacknowledged.contains(message.getId()) || message.getBody() == null
                    || message.getBody().isEmpty()) {
                // already handled (its acknowledgement was lost), or trimmed away meanwhile: just acknowledge
                acknowledge(message.getStream(), message.getId());
                continue;
            }
            admit(message.getStream(), message);
        }
    }

    /** Takes over entries other consumers have held for longer than the claim time. */
    private void claim() {
        for (byte[] stream : this.streams) {
            ClaimedMessages<byte[], byte[]> claimed = this.sync.xautoclaim(stream, new XAutoClaimArgs<byte[]>()
                .consumer(this.consumer)
                .minIdleTime(this.settings.claimAfter())
                .startId("0-0")
                .count(this.settings.readCount()));
            if (!claimed.getMessages().isEmpty()) {
                logger.info("Consumer {} claimed {} entries of stream {} that another consumer left pending for over"
                        + " {}", RedisKeys.text(this.consumer.getName()), claimed.getMessages().size(),
                        RedisKeys.text(stream), this.settings.claimAfter());
                for (StreamMessage<byte[], byte[]> message : claimed.getMessages()) {
                    if (message.getBody() == null || message.getBody().isEmpty()) {
                        acknowledge(stream, message.getId());
                        continue;
                    }
                    admit(stream, message);
                }
            }
        }
    }

    /** Hands a redelivered entry to the worker, or to the dead-letter stream past the delivery limit. */
    private void admit(byte[] stream, StreamMessage<byte[], byte[]> message) {
        long deliveries = deliveries(stream, message.getId());
        if (deliveries > this.settings.maxDeliveries()) {
            this.transport.deadLetter(stream, message, "delivered " + deliveries + " times without an"
                    + " acknowledgement (the limit is " + this.settings.maxDeliveries() + "): the consumers that took"
                    + " it died or stopped while handling it");
            acknowledge(stream, message.getId());
            return;
        }
        this.taken.add(new Taken(stream, message, deliveries));
    }

    private long deliveries(byte[] stream, String id) {
        List<PendingMessage> pending = this.sync.xpending(stream, this.group, Range.create(id, id), Limit.from(1));
        return pending.isEmpty() ? 1 : Math.max(1, pending.get(0).getRedeliveryCount());
    }

    @Override
    public void complete() {
        Taken done = this.current;
        this.current = null;
        if (done != null) {
            acknowledge(done.stream(), done.message().getId());
        }
    }

    /** The entry last received is acknowledged when the returned action runs, from whichever thread. */
    @Override
    public Runnable detach() {
        Taken done = this.current;
        this.current = null;
        if (done == null) {
            return NOTHING_TO_COMPLETE;
        }
        return () -> acknowledge(done.stream(), done.message().getId());
    }

    private void acknowledge(byte[] stream, String id) {
        try {
            this.async.xack(stream, this.group, id).whenComplete((count, failure) -> {
                if (failure != null) {
                    this.unacknowledged.add(id);
                }
                else {
                    this.unacknowledged.remove(id);
                }
            });
        }
        catch (RedisException ex) {
            this.unacknowledged.add(id);
        }
        this.transport.acknowledged();
    }

    private void retryAcknowledgements() {
        if (this.unacknowledged.isEmpty()) {
            return;
        }
        String[] ids = this.unacknowledged.toArray(new String[0]);
        for (byte[] stream : this.streams) {
            Long count = this.sync.xack(stream, this.group, ids);
            if (count != null && count > 0) {
                logger.debug("Acknowledged {} entries again after Redis came back", count);
            }
        }
        for (String id : ids) {
            this.unacknowledged.remove(id);
        }
    }

    @Override
    public @Nullable String malformed() {
        return this.malformed;
    }

    @Override
    public Map<String, Object> delivery() {
        Taken now = this.current;
        if (now == null) {
            return Map.of();
        }
        byte[] replyTo = RedisKeys.field(now.message().getBody(), RedisKeys.REPLY_TO);
        Map<String, Object> facts = new HashMap<>();
        facts.put(RedisStreamsTransport.STREAM, RedisKeys.text(now.stream()));
        facts.put(RedisStreamsTransport.ENTRY_ID, now.message().getId());
        facts.put(RedisStreamsTransport.DELIVERIES, now.deliveries());
        if (replyTo != null) {
            facts.put(RedisStreamsTransport.REPLY_ADDRESS, RedisKeys.text(replyTo));
        }
        return facts;
    }

    /** Makes the next {@link #receive} return a wake-up frame, within one block timeout. */
    void wake() {
        this.woken = true;
    }

    void close() {
        this.closed = true;
        this.connection.closeAsync();
    }

    @Override
    public void release() {
        close();
        this.transport.released(this);
    }

    /** An entry taken from a stream, with how often it was delivered. */
    private record Taken(byte[] stream, StreamMessage<byte[], byte[]> message, long deliveries) {
    }
}
