package io.github.swooletask.worker;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;

/**
 * Receives the outcome of tasks that asked for a reply: a caller in this JVM ({@code REPLY}) or another program
 * ({@code REPLY_TO}). Called on worker threads, for one task at a time per thread: {@link #admit}, then
 * {@link #completed} or {@link #failed}.
 */
public interface ReplySink {

    /** A sink that drops every outcome: for pools whose tasks nobody waits for. */
    ReplySink NONE = new ReplySink() {

        @Override
        public void completed(DecodedTask task, @Nullable Object result) {
        }

        @Override
        public void failed(DecodedTask task, Throwable failure) {
        }

        @Override
        public String toString() {
            return "ReplySink.NONE";
        }
    };

    /**
     * Called before a task that asks for a reply runs; a sink refuses one whose reply it cannot deliver, and the
     * task is then rejected without running.
     * @throws FrameRejectedException when the reply could never be delivered
     */
    default void admit(DecodedTask task) throws FrameRejectedException {
    }

    /** The handler returned {@code result} (null for void). */
    void completed(DecodedTask task, @Nullable Object result);

    /** The task failed, or could not be run at all. */
    void failed(DecodedTask task, Throwable failure);
}
