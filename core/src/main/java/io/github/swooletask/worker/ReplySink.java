package io.github.swooletask.worker;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;

/** Receives the outcome of tasks that asked for a reply ({@code REPLY} flag); called on worker threads. */
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

    /** The handler returned {@code result} (null for void). */
    void completed(DecodedTask task, @Nullable Object result);

    /** The task failed, or could not be run at all. */
    void failed(DecodedTask task, Throwable failure);
}
