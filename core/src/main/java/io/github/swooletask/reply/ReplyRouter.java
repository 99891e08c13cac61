package io.github.swooletask.reply;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.ReplySink;

/**
 * Sends each outcome where its task asked: {@link TaskFlags#REPLY} to the callers in this JVM,
 * {@link TaskFlags#REPLY_TO} to another program's queue.
 */
public final class ReplyRouter implements ReplySink {

    private final ReplySink local;

    private final ReplySink remote;

    /**
     * @param local the futures of this JVM's callers (the dispatcher's {@code TaskReplies})
     * @param remote replies to other programs ({@link RemoteReplies})
     */
    public ReplyRouter(ReplySink local, ReplySink remote) {
        this.local = local;
        this.remote = remote;
    }

    @Override
    public void admit(DecodedTask task) throws FrameRejectedException {
        if ((task.flags() & TaskFlags.REPLY_TO) != 0) {
            this.remote.admit(task);
        }
        if ((task.flags() & TaskFlags.REPLY) != 0) {
            this.local.admit(task);
        }
    }

    @Override
    public void completed(DecodedTask task, @Nullable Object result) {
        if ((task.flags() & TaskFlags.REPLY) != 0) {
            this.local.completed(task, result);
        }
        if ((task.flags() & TaskFlags.REPLY_TO) != 0) {
            this.remote.completed(task, result);
        }
    }

    @Override
    public void failed(DecodedTask task, Throwable failure) {
        if ((task.flags() & TaskFlags.REPLY) != 0) {
            this.local.failed(task, failure);
        }
        if ((task.flags() & TaskFlags.REPLY_TO) != 0) {
            this.remote.failed(task, failure);
        }
    }
}
