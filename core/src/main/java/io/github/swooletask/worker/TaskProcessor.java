package io.github.swooletask.worker;

import io.github.swooletask.wire.DecodedTask;

/**
 * Runs one task on a worker thread. Called by one worker at a time per thread; implementations must be thread-safe
 * across workers. The task and its payload view are valid only during the call.
 */
@FunctionalInterface
public interface TaskProcessor {

    /**
     * @return the result, handed to a waiting caller when the task asked for a reply
     * @throws io.github.swooletask.wire.FrameRejectedException when the task cannot be run at all (no handler,
     * undecodable payload): counted as rejected, not failed
     * @throws Exception when the handler failed
     */
    Object process(DecodedTask task) throws Exception;
}
