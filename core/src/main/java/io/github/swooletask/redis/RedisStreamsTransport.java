package io.github.swooletask.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessages;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogSafe;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.ResultChannel;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;

/**
 * Tasks as entries of a Redis stream read by one consumer group, for an application on several hosts. Every worker
 * of every instance is a consumer ({@code <instance-id>-<worker>}); an entry is acknowledged only after its handler
 * returned or its recoverer took it, so delivery is at least once: entries of a consumer that died stay pending
 * and live consumers claim them after the claim time; past the delivery limit they go to the dead-letter stream.
 * In ipc-mode 2, a task for worker {@code N} goes to {@code <stream>:worker:<N>}, which worker {@code N} of every
 * instance reads besides the shared stream. Entries hold the frame in field {@code frame}, payloads inline (no spill
 * files: hosts share no directory). The stream is bounded ({@code maxLength}, a full stream makes dispatches wait
 * or fail by the full-queue policy) and trimmed of acknowledged entries by a {@link StreamTrimmer}. Calls whose
 * handler runs on another instance get their result through the {@link ResultChannel} of reply streams. Redis's own
 * mechanisms carry the guarantees: consumer groups, pending entries, claiming and trimming. Thread-safe.
 */
public final class RedisStreamsTransport implements TaskTransport {

    /** Delivery fact: the stream an entry came from. */
    public static final String STREAM = "stream";

    /** Delivery fact: the entry's id. */
    public static final String ENTRY_ID = "id";

    /** Delivery fact: how often the entry was delivered, this time included (a {@code Long}). */
    public static final String DELIVERIES = "deliveries";

    /** Delivery fact: the reply stream of the instance that dispatched a call. */
    public static final String REPLY_ADDRESS = ResultChannel.REPLY_ADDRESS;

    private static final Logger logger = LoggerFactory.getLogger(RedisStreamsTransport.class);

    private final RedisClient client;

    private final String server;

    private final RedisStreamsSettings settings;

    private final StatefulRedisConnection<byte[], byte[]> producer;

    private final RedisCommands<byte[], byte[]> commands;

    private final RedisAsyncCommands<byte[], byte[]> asyncCommands;

    private final byte[] stream;

    private final byte[] group;

    private final byte[][] workerStreams;

    private final List<StreamReceiver> receivers = new CopyOnWriteArrayList<>();

    private final StreamTrimmer trimmer;

    private final RedisResultChannel results;

    private final byte[] replyAddress;

    /** Entries added since the last exact length, plus that length: a dispatch checks it, not Redis, every time. */
    private final AtomicLong lengthEstimate = new AtomicLong();

    private volatile boolean closed;

    /**
     * Connects, creates the consumer group of each stream if it is missing (reading from the stream's start, so
     * entries posted before the first start are handled), and starts the trimmer.
     * @param client the Redis client (its options and lifecycle are the caller's)
     * @param server how to name the server in messages, e.g. {@code localhost:6379}
     * @throws RedisTransportException when Redis cannot be reached
     */
    public RedisStreamsTransport(RedisClient client, String server, RedisStreamsSettings settings) {
        this.client = client;
        this.server = server;
        this.settings = settings;
        this.stream = RedisKeys.bytes(settings.stream());
        this.group = RedisKeys.bytes(settings.group());
        this.workerStreams = new byte[settings.directed() ? settings.workers() : 0][];
        for (int i = 0; i < this.workerStreams.length; i++) {
            this.workerStreams[i] = RedisKeys.bytes(settings.workerStream(i));
        }
        try {
            this.producer = client.connect(ByteArrayCodec.INSTANCE);
        }
        catch (RedisException ex) {
            throw failure("connect", ex);
        }
        this.commands = this.producer.sync();
        this.asyncCommands = this.producer.async();
        try {
            createGroup(this.stream);
            for (byte[] workerStream : this.workerStreams) {
                createGroup(workerStream);
            }
            this.lengthEstimate.set(exactLength());
        }
        catch (RedisException ex) {
            this.producer.close();
            throw failure("create consumer group " + settings.group() + " of stream " + settings.stream(), ex);
        }
        this.results = new RedisResultChannel(this);
        this.replyAddress = RedisKeys.bytes(this.results.address());
        this.trimmer = new StreamTrimmer(this);
        this.trimmer.start();
    }

    private void createGroup(byte[] key) {
        try {
            this.commands.xgroupCreate(XReadArgs.StreamOffset.from(key, "0"), this.group,
                    XGroupCreateArgs.Builder.mkstream());
        }
        catch (RedisBusyException ex) {
            // BUSYGROUP: the group exists (another instance or an earlier run made it)
        }
    }

    RedisStreamsSettings settings() {
        return this.settings;
    }

    RedisClient client() {
        return this.client;
    }

    RedisCommands<byte[], byte[]> commands() {
        return this.commands;
    }

    byte[] group() {
        return this.group;
    }

    /** The stream and the per-worker streams. */
    List<byte[]> streams() {
        List<byte[]> all = new ArrayList<>();
        all.add(this.stream);
        all.addAll(List.of(this.workerStreams));
        return all;
    }

    boolean isClosed() {
        return this.closed;
    }

    /** An exception that names the server and what could not be done. */
    RedisTransportException failure(String what, RuntimeException cause) {
        String where = what.startsWith("connect") ? " to Redis at " : " on Redis at ";
        return new RedisTransportException("cannot " + what + where + this.server + ": " + cause.getMessage(), cause);
    }

    @Override
    public IpcMode mode() {
        return this.settings.directed() ? IpcMode.MSGQUEUE : IpcMode.MSGQUEUE_PREEMPTIVE;
    }

    @Override
    public int maxFrameSize() {
        return this.settings.maxPayload() + 64;
    }

    @Override
    public TaskReceiver receiver(int workerId) {
        StatefulRedisConnection<byte[], byte[]> connection;
        try {
            connection = this.client.connect(ByteArrayCodec.INSTANCE);
        }
        catch (RedisException ex) {
            throw failure("connect worker " + workerId, ex);
        }
        StreamReceiver receiver = new StreamReceiver(this, connection, workerId);
        this.receivers.add(receiver);
        return receiver;
    }

    /**
     * Adds the frame as an entry ({@code XADD}), to the worker's own stream in ipc-mode 2, with field
     * {@code reply-to} naming this instance's reply stream (where the results of its calls go).
     * @return false when the stream holds {@code maxLength} entries (the dispatcher's policy waits or fails)
     * @throws RedisTransportException when Redis cannot be reached
     */
    @Override
    public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
        requireOpen();
        if (this.lengthEstimate.get() >= this.settings.maxLength() && isFull()) {
            return false;
        }
        byte[] key = streamOf(workerId);
        try {
            this.commands.xadd(key, entry(buffer, length));
        }
        catch (RedisException ex) {
            throw addFailure(key, ex);
        }
        this.lengthEstimate.incrementAndGet();
        return true;
    }

    /**
     * {@link #send} without waiting for Redis's reply: the {@code XADD} goes out on the producer connection and
     * {@code done} is told on Lettuce's event loop. Returns false, without asking Redis, when the estimate of the
     * streams' length says they are full ({@link #send} then checks).
     */
    @Override
    public boolean sendAsync(FrameBuffer buffer, int length, int workerId, Consumer<@Nullable RuntimeException> done) {
        requireOpen();
        if (this.lengthEstimate.get() >= this.settings.maxLength()) {
            return false;
        }
        byte[] key = streamOf(workerId);
        RedisFuture<String> added;
        try {
            added = this.asyncCommands.xadd(key, entry(buffer, length));
        }
        catch (RedisException ex) {
            throw addFailure(key, ex);
        }
        added.whenComplete((id, error) -> {
            if (error == null) {
                this.lengthEstimate.incrementAndGet();
                done.accept(null);
                return;
            }
            Throwable cause = (error instanceof CompletionException && error.getCause() != null) ? error.getCause()
                    : error;
            done.accept(addFailure(key, (cause instanceof RuntimeException runtime) ? runtime
                    : new RedisException(cause)));
        });
        return true;
    }

    private void requireOpen() {
        if (this.closed) {
            throw new IllegalStateException("the Redis Streams transport of " + this.settings.stream() + " is closed");
        }
    }

    private RedisTransportException addFailure(byte[] key, RuntimeException cause) {
        return failure("add a task to stream " + RedisKeys.text(key), cause);
    }

    /** An entry of the frame: field {@code frame}, and {@code reply-to} naming this instance's reply stream. */
    private Map<byte[], byte[]> entry(FrameBuffer buffer, int length) {
        byte[] frame = new byte[length];
        buffer.frame().get(0, frame);
        // every entry names this instance's reply stream: a call may sit inside a batch, whose header says nothing
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        body.put(RedisKeys.FRAME, frame);
        body.put(RedisKeys.REPLY_TO, this.replyAddress);
        return body;
    }

    /** The stream a frame for {@code workerId} goes to: the worker's own in ipc-mode 2, else the shared one. */
    private byte[] streamOf(int workerId) {
        return (this.settings.directed() && workerId >= 0 && workerId < this.workerStreams.length)
                ? this.workerStreams[workerId] : this.stream;
    }

    /** Each {@code XADD} waits for Redis's reply: the dispatcher commits batches in groups, not on a backlog. */
    @Override
    public boolean sendWaitsForRoundTrip() {
        return true;
    }

    /** Whether the streams really hold {@code maxLength} entries; refreshes the estimate. */
    private boolean isFull() {
        long length;
        try {
            length = exactLength();
        }
        catch (RedisException ex) {
            throw failure("read the length of stream " + this.settings.stream(), ex);
        }
        this.lengthEstimate.set(length);
        return length >= this.settings.maxLength();
    }

    long exactLength() {
        long length = 0;
        for (byte[] key : streams()) {
            Long n = this.commands.xlen(key);
            length += (n != null) ? n : 0;
        }
        return length;
    }

    /** Told by the trimmer after a trim: the entries the streams hold now. */
    void lengthIs(long length) {
        this.lengthEstimate.set(length);
    }

    /** Told by receivers for each acknowledgement; the trimmer removes the entry later. */
    void acknowledged() {
    }

    /**
     * Appends an entry that could not be handled to the dead-letter stream, with its frame (if any), where it came
     * from and why; its original stays until acknowledged by the caller.
     */
    void deadLetter(byte[] from, StreamMessage<byte[], byte[]> message, String reason) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        byte[] frame = RedisKeys.field(message.getBody(), RedisKeys.FRAME);
        if (frame != null) {
            fields.put(RedisKeys.FRAME, frame);
        }
        fields.put(RedisKeys.bytes("stream"), from);
        fields.put(RedisKeys.bytes("id"), RedisKeys.bytes(message.getId()));
        fields.put(RedisKeys.bytes("reason"), RedisKeys.bytes(reason));
        fields.put(RedisKeys.bytes("time"), RedisKeys.bytes(Instant.now().toString()));
        deadLetter(fields);
        logger.warn("Entry {} of stream {} went to the dead-letter stream {}: {}", RedisKeys.printable(message.getId()),
                RedisKeys.printable(RedisKeys.text(from)), this.settings.deadLetterStream(), LogSafe.escape(reason));
    }

    /** Appends an entry with these fields to the dead-letter stream. */
    public void deadLetter(Map<byte[], byte[]> fields) {
        try {
            this.commands.xadd(RedisKeys.bytes(this.settings.deadLetterStream()), fields);
        }
        catch (RedisException ex) {
            throw failure("add to the dead-letter stream " + this.settings.deadLetterStream(), ex);
        }
    }

    /** The entries of the dead-letter stream. */
    public long deadLetterCount() {
        try {
            Long length = this.commands.xlen(RedisKeys.bytes(this.settings.deadLetterStream()));
            return (length != null) ? length : 0;
        }
        catch (RedisException ex) {
            throw failure("read the length of the dead-letter stream " + this.settings.deadLetterStream(), ex);
        }
    }

    /** The oldest entries of the dead-letter stream, at most {@code count}, oldest first. */
    public List<StreamMessage<byte[], byte[]>> oldestDeadLetters(int count) {
        try {
            return this.commands.xrange(RedisKeys.bytes(this.settings.deadLetterStream()), Range.create("-", "+"),
                    Limit.from(count));
        }
        catch (RedisException ex) {
            throw failure("read the dead-letter stream " + this.settings.deadLetterStream(), ex);
        }
    }

    /** Removes an entry of the dead-letter stream; false when it was not there (any more). */
    public boolean removeDeadLetter(String id) {
        try {
            Long removed = this.commands.xdel(RedisKeys.bytes(this.settings.deadLetterStream()), id);
            return removed != null && removed > 0;
        }
        catch (RedisException ex) {
            throw failure("remove entry " + id + " of the dead-letter stream " + this.settings.deadLetterStream(), ex);
        }
    }

    /** Told by a receiver whose worker is gone. */
    void released(StreamReceiver receiver) {
        this.receivers.remove(receiver);
    }

    @Override
    public void wake(int workerId) {
        for (StreamReceiver receiver : this.receivers) {
            receiver.wake();
        }
    }

    /**
     * Depth is what the group has not yet delivered plus what it delivered but nobody acknowledged; bytes and a byte
     * capacity are not known (-1).
     * @throws RedisTransportException when Redis cannot be reached
     */
    @Override
    public QueueStatus status() {
        long depth = 0;
        try {
            for (byte[] key : streams()) {
                Map<String, Object> info = groupInfo(key);
                long lag = RedisKeys.number(info, "lag");
                long pending = RedisKeys.number(info, "pending");
                depth += Math.max(0, pending) + ((lag >= 0) ? lag : 0);
            }
        }
        catch (RedisException ex) {
            throw failure("read the state of stream " + this.settings.stream(), ex);
        }
        return new QueueStatus(mode(), this.settings.stream(), -1, "", depth, -1, -1, 0, 0);
    }

    /** Our group's {@code XINFO GROUPS} entry of a stream (empty when the group is missing). */
    Map<String, Object> groupInfo(byte[] key) {
        for (Object raw : this.commands.xinfoGroups(key)) {
            Map<String, Object> info = RedisKeys.info(raw);
            if (this.settings.group().equals(info.get("name"))) {
                return info;
            }
        }
        return Map.of();
    }

    /** The streams, the group, the consumers with their pending entries and idle time, and the oldest pending age. */
    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("transport", "redis-streams");
        details.put("server", this.server);
        details.put("stream", this.settings.stream());
        details.put("group", this.settings.group());
        details.put("instanceId", this.settings.instanceId());
        details.put("deadLetterStream", this.settings.deadLetterStream());
        details.put("maxLength", this.settings.maxLength());
        try {
            List<Map<String, Object>> consumers = new ArrayList<>();
            long pendingTotal = 0;
            long oldest = -1;
            for (byte[] key : streams()) {
                for (Object raw : this.commands.xinfoConsumers(key, this.group)) {
                    Map<String, Object> info = RedisKeys.info(raw);
                    Map<String, Object> consumer = new LinkedHashMap<>();
                    consumer.put("stream", RedisKeys.text(key));
                    consumer.put("name", info.get("name"));
                    consumer.put("pending", RedisKeys.number(info, "pending"));
                    consumer.put("idleMillis", RedisKeys.number(info, "idle"));
                    consumers.add(consumer);
                }
                PendingMessages pending = this.commands.xpending(key, this.group);
                pendingTotal += pending.getCount();
                if (pending.getCount() > 0 && pending.getMessageIds().getLower().getValue() != null) {
                    long millis = RedisKeys.millisOf(pending.getMessageIds().getLower().getValue());
                    if (millis > 0) {
                        long age = System.currentTimeMillis() - millis;
                        oldest = Math.max(oldest, age);
                    }
                }
            }
            details.put("consumers", consumers);
            details.put("pending", pendingTotal);
            details.put("oldestPendingMillis", oldest);
            Long deadLetters = this.commands.xlen(RedisKeys.bytes(this.settings.deadLetterStream()));
            details.put("deadLetters", (deadLetters != null) ? deadLetters : 0);
        }
        catch (RedisException ex) {
            details.put("error", failure("read the consumers", ex).getMessage());
        }
        return details;
    }

    /**
     * Removes every entry of the streams, those pending included, and starts the group after them. Entries carry
     * their data inline (no spill files), so {@code dropped} is not told of them.
     * @return how many entries were removed
     */
    @Override
    public long purge(DroppedFrames dropped) {
        long removed = 0;
        try {
            for (byte[] key : streams()) {
                Long length = this.commands.xlen(key);
                removed += (length != null) ? length : 0;
                this.commands.xtrim(key, 0);
                this.commands.xgroupSetid(XReadArgs.StreamOffset.latest(key), this.group);
            }
        }
        catch (RedisException ex) {
            throw failure("purge stream " + this.settings.stream(), ex);
        }
        this.lengthEstimate.set(0);
        return removed;
    }

    @Override
    public ResultChannel results() {
        return this.results;
    }

    /** Closes the receivers (a blocked read ends at once), the trimmer, the reply stream and the connection. */
    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        for (StreamReceiver receiver : this.receivers) {
            receiver.close();
        }
        this.trimmer.stop();
        this.results.close();
        this.producer.close();
    }

    @Override
    public String toString() {
        return "RedisStreamsTransport[" + this.server + " " + this.settings.stream() + "]";
    }
}
