package io.github.swooletask.worker;

import java.util.ArrayList;
import java.util.List;

import io.github.swooletask.wire.DecodedTask;

/**
 * Runs one task on a worker thread, or a batch of tasks of one handler on its reserved workers. Called by one worker
 * at a time per thread; implementations must be thread-safe across workers. The task and its payload view are valid
 * only during the call (the tasks of a batch are copies, valid until the call returns).
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

    /**
     * Runs several tasks of one handler at once ({@link ReservedWorkers#batchSize()} over 1): by default one after
     * the other, each with {@link #process}.
     * @return one outcome per task, in the tasks' order
     */
    default List<BatchOutcome> processBatch(List<DecodedTask> tasks) {
        List<BatchOutcome> outcomes = new ArrayList<>(tasks.size());
        for (DecodedTask task : tasks) {
            try {
                outcomes.add(BatchOutcome.succeeded(process(task)));
            }
            catch (Exception | StackOverflowError | LinkageError | AssertionError ex) {
                outcomes.add(BatchOutcome.failed(ex));
            }
        }
        return outcomes;
    }
}
