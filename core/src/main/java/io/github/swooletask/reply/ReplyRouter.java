package io.github.swooletask.reply;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.ReplySink;

/**
 * Sends each outcome where its task asked: {@link TaskFlags#REPLY} to the callers in this JVM (or, for a call
 * another instance dispatched, back to it through {@link CrossHostReplies}), {@link TaskFlags#REPLY_TO} to another
 * program's queue.
 */
public final class ReplyRouter implements ReplySink {

    private final ReplySink local;

    private final ReplySink remote;

    private final @Nullable CrossHostReplies crossHost;

    /**
     * @param local the futures of this JVM's callers (the dispatcher's {@code TaskReplies})
     * @param remote replies to other programs ({@link RemoteReplies})
     */
    public ReplyRouter(ReplySink local, ReplySink remote) {
        this(local, remote, null);
    }

    /**
     * @param crossHost results of calls another instance dispatched, for a transport that reaches other hosts; a
     * call it claims never completes a future of this JVM, even one with the same tag and id
     */
    public ReplyRouter(ReplySink local, ReplySink remote, @Nullable CrossHostReplies crossHost) {
        this.local = local;
        this.remote = remote;
        this.crossHost = crossHost;
    }

    private boolean local(DecodedTask task) {
        return (task.flags() & TaskFlags.REPLY) != 0 && (this.crossHost == null || this.crossHost.remoteCaller(task) == null);
    }

    @Override
    public void admit(DecodedTask task) throws FrameRejectedException {
        if ((task.flags() & TaskFlags.REPLY_TO) != 0) {
            this.remote.admit(task);
        }
        if (this.crossHost != null) {
            this.crossHost.admit(task);
        }
        if (local(task)) {
            this.local.admit(task);
        }
    }

    @Override
    public void completed(DecodedTask task, @Nullable Object result) {
        if (local(task)) {
            this.local.completed(task, result);
        }
        else if (this.crossHost != null) {
            this.crossHost.completed(task, result);
        }
        if ((task.flags() & TaskFlags.REPLY_TO) != 0) {
            this.remote.completed(task, result);
        }
    }

    @Override
    public void failed(DecodedTask task, Throwable failure) {
        if (local(task)) {
            this.local.failed(task, failure);
        }
        else if (this.crossHost != null) {
            this.crossHost.failed(task, failure);
        }
        if ((task.flags() & TaskFlags.REPLY_TO) != 0) {
            this.remote.failed(task, failure);
        }
    }
}
