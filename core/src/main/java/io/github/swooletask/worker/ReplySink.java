package io.github.swooletask.worker;

import io.github.swooletask.wire.DecodedTask;

/** Receives the outcome of tasks that asked for a reply ({@code REPLY} flag); called on worker threads. */
public interface ReplySink {

    void completed(DecodedTask task, Object result);

    void failed(DecodedTask task, Throwable failure);
}
