package io.github.swooletask.reply;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogSafe;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.ReplyRefusedException;
import io.github.swooletask.transport.ReplyTarget;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.ReplySink;

/**
 * Replies to tasks that another program posted with a reply address ({@link TaskFlags#REPLY_TO}). Before such a
 * task runs, the transport checks the reply queue ({@link TaskTransport#replyTarget}); a refused one makes the task
 * a {@link RejectReason#REPLY_TARGET} rejection that never runs. After it ran, its result or its failure (once,
 * after retries) goes there as one frame in the request's own layout, task id and type: payload flags from the
 * {@link ResultEncoder}, {@link TaskFlags#FAILED} with the error text for a failure, spilled like a request when
 * large (a spill file shared with the reply queue's group when the caller is another user). A reply that cannot be
 * delivered (the caller's queue stayed full for the send timeout, or is gone) is dropped, logged at most once a
 * second, and counted. Thread-safe; the state of one task lives with its worker thread.
 */
public final class RemoteReplies implements ReplySink {

    private static final Logger logger = LoggerFactory.getLogger(RemoteReplies.class);

    /** Longest error text sent back. */
    private static final int MAX_ERROR_CHARS = 4000;

    private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

    private final TaskTransport transport;

    private final FrameEncoder encoder;

    private final SpillFiles spillFiles;

    private final ResultEncoder results;

    private final Function<Throwable, String> describeFailure;

    private final Duration sendTimeout;

    private final ReplyStatistics statistics = new ReplyStatistics();

    private final ThreadLocal<Slot> slots = ThreadLocal.withInitial(Slot::new);

    private volatile long lastLog;

    /**
     * @param transport whose reply targets are used
     * @param spillFiles where large replies are spilled
     * @param results encodes results
     * @param describeFailure the error text a caller gets for a failure
     * @param sendTimeout how long a reply waits for room in a full reply queue
     */
    public RemoteReplies(TaskTransport transport, SpillFiles spillFiles, ResultEncoder results,
            Function<Throwable, String> describeFailure, Duration sendTimeout) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.spillFiles = Objects.requireNonNull(spillFiles, "spillFiles");
        this.encoder = new FrameEncoder(spillFiles);
        this.results = Objects.requireNonNull(results, "results");
        this.describeFailure = Objects.requireNonNull(describeFailure, "describeFailure");
        this.sendTimeout = Objects.requireNonNull(sendTimeout, "sendTimeout");
    }

    public ReplyStatistics statistics() {
        return this.statistics;
    }

    @Override
    public void admit(DecodedTask task) throws FrameRejectedException {
        if (!task.wantsReplyTo()) {
            return;
        }
        Slot slot = this.slots.get();
        slot.target = null;
        try {
            slot.target = this.transport.replyTarget(task.replyKey(), task.replyMtype());
        }
        catch (ReplyRefusedException ex) {
            this.statistics.refused();
            throw new FrameRejectedException(RejectReason.REPLY_TARGET, "task " + task.taskId() + ": "
                    + ex.getMessage());
        }
    }

    @Override
    public void completed(DecodedTask task, @Nullable Object result) {
        if (!task.wantsReplyTo()) {
            return;
        }
        ResultEncoder.EncodedResult encoded;
        try {
            encoded = this.results.encode(task, result);
        }
        catch (RuntimeException ex) {
            reply(task, TaskFlags.FAILED, text("the result cannot be sent back: " + ex.getMessage()));
            return;
        }
        reply(task, encoded.flags() & (TaskFlags.SERIALIZE | TaskFlags.JSON), encoded.bytes());
    }

    @Override
    public void failed(DecodedTask task, Throwable failure) {
        if (task.wantsReplyTo()) {
            reply(task, TaskFlags.FAILED, text(this.describeFailure.apply(failure)));
        }
    }

    private static byte[] text(String error) {
        String cut = (error.length() > MAX_ERROR_CHARS) ? error.substring(0, MAX_ERROR_CHARS) + "..." : error;
        return cut.getBytes(StandardCharsets.UTF_8);
    }

    private void reply(DecodedTask task, int flags, byte[] payload) {
        Slot slot = this.slots.get();
        ReplyTarget target = slot.target;
        slot.target = null;
        if (target == null) {
            try {
                target = this.transport.replyTarget(task.replyKey(), task.replyMtype());
            }
            catch (ReplyRefusedException ex) {
                undeliverable(task, ex.getMessage());
                return;
            }
        }
        FrameBuffer buffer = slot.buffer;
        int length;
        String spilled;
        try {
            OutgoingTask reply = OutgoingTask.of(flags & (TaskFlags.SERIALIZE | TaskFlags.JSON), payload);
            length = this.encoder.encode(buffer.frame(), task.format(), reply, task.taskId(), 0,
                    flags & TaskFlags.FAILED);
            spilled = FrameEncoder.spillPathOf(buffer.frame(), task.format());
            if (spilled != null && !target.sameUser()) {
                this.spillFiles.share(spilled, target.groupId());
            }
        }
        catch (RuntimeException ex) {
            undeliverable(task, "the reply could not be written: " + ex.getMessage());
            return;
        }
        if (!target.send(buffer, length, this.sendTimeout)) {
            if (spilled != null) {
                this.spillFiles.discard(spilled);
            }
            undeliverable(task, target + " stayed full for " + this.sendTimeout.toMillis() + " ms or is gone");
            return;
        }
        this.statistics.sent();
    }

    private void undeliverable(DecodedTask task, @Nullable String why) {
        this.statistics.undeliverable();
        long now = System.nanoTime();
        if (now - this.lastLog > LOG_INTERVAL_NANOS) {
            this.lastLog = now;
            logger.warn("The reply to task {} was dropped: {} ({} replies dropped so far)", task.taskId(),
                    LogSafe.escape(why), this.statistics.undeliverableCount());
        }
    }

    /** One worker thread's reply buffer and the target {@link #admit} found for its current task. */
    private static final class Slot {

        final FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);

        @Nullable ReplyTarget target;
    }
}
