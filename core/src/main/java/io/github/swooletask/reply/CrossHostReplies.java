package io.github.swooletask.reply;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogSafe;
import io.github.swooletask.transport.ResultChannel;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.ReplySink;

/**
 * Sends the outcome of a call ({@link TaskFlags#REPLY}) that another instance of this application dispatched back
 * to it, through the transport's {@link ResultChannel}: the task's delivery facts name the caller's address; a task
 * of this instance's own (its address, or none) is left to the futures in this JVM. Results are encoded by the
 * {@link ResultEncoder} (JSON for objects), failures as their error text with {@link TaskFlags#FAILED}.
 */
public final class CrossHostReplies implements ReplySink {

    private static final Logger logger = LoggerFactory.getLogger(CrossHostReplies.class);

    private final ResultChannel channel;

    private final ResultEncoder results;

    private final Function<Throwable, String> describeFailure;

    /**
     * @param channel the transport's result channel
     */
    public CrossHostReplies(ResultChannel channel, ResultEncoder results, Function<Throwable, String> describeFailure) {
        this.channel = channel;
        this.results = results;
        this.describeFailure = describeFailure;
    }

    /** The caller's address when the task is another instance's call, else null. */
    public @Nullable String remoteCaller(DecodedTask task) {
        if ((task.flags() & TaskFlags.REPLY) == 0) {
            return null;
        }
        Object address = task.delivery().get(ResultChannel.REPLY_ADDRESS);
        return (address instanceof String text && !text.equals(this.channel.address())) ? text : null;
    }

    /**
     * Refuses a call whose caller's address the channel does not accept (over Redis Streams: a key that is no reply
     * stream of the task stream), before it runs.
     */
    @Override
    public void admit(DecodedTask task) throws FrameRejectedException {
        if ((task.flags() & TaskFlags.REPLY) == 0) {
            return;
        }
        Object address = task.delivery().get(ResultChannel.REPLY_ADDRESS);
        if (address instanceof String text && !this.channel.accepts(text)) {
            throw new FrameRejectedException(RejectReason.REPLY_TARGET, "task " + task.taskId() + " asks for its"
                    + " result on '" + LogSafe.escape(text) + "', which is not " + this.channel.addressRule()
                    + ": refused, not run");
        }
    }

    @Override
    public void completed(DecodedTask task, @Nullable Object result) {
        String caller = remoteCaller(task);
        if (caller == null) {
            return;
        }
        ResultEncoder.EncodedResult encoded;
        try {
            encoded = this.results.encode(task, result);
        }
        catch (RuntimeException ex) {
            send(caller, task, TaskFlags.FAILED, "the result cannot be sent back: " + ex.getMessage());
            return;
        }
        if (!this.channel.send(caller, task.taskId(), task.fromId(), encoded.flags(), encoded.bytes())) {
            logger.warn("The result of task {} could not be sent to {}", task.taskId(), caller);
        }
    }

    @Override
    public void failed(DecodedTask task, Throwable failure) {
        String caller = remoteCaller(task);
        if (caller != null) {
            send(caller, task, TaskFlags.FAILED, this.describeFailure.apply(failure));
        }
    }

    private void send(String caller, DecodedTask task, int flags, String text) {
        this.channel.send(caller, task.taskId(), task.fromId(), flags, text.getBytes(StandardCharsets.UTF_8));
    }
}
