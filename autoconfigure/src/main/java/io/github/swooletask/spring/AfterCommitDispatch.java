package io.github.swooletask.spring;

import java.util.concurrent.CancellationException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.github.swooletask.dispatch.PreparedTask;
import io.github.swooletask.log.LogSafe;
import io.github.swooletask.wire.TaskName;

/**
 * Holds a task dispatched inside a Spring-managed transaction until that transaction has completed: sent once it
 * committed, dropped when it rolled back (a call's future then fails with a {@link CancellationException}). Loaded
 * only where spring-tx is on the class path ({@code swoole.task.dispatch-after-commit}).
 */
final class AfterCommitDispatch implements TransactionSynchronization {

    private static final Logger logger = LoggerFactory.getLogger(AfterCommitDispatch.class);

    static final String SYNCHRONIZATION_MANAGER = "org.springframework.transaction.support."
            + "TransactionSynchronizationManager";

    private final PreparedTask task;

    private AfterCommitDispatch(PreparedTask task) {
        this.task = task;
    }

    /** Whether the calling thread runs in a transaction whose completion can be waited for. */
    static boolean inTransaction() {
        return TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.isActualTransactionActive();
    }

    /** Sends {@code task} when the calling thread's transaction commits; see {@link #inTransaction()}. */
    static void onCommit(PreparedTask task) {
        TransactionSynchronizationManager.registerSynchronization(new AfterCommitDispatch(task));
    }

    @Override
    public void afterCompletion(int status) {
        if (status == STATUS_COMMITTED) {
            try {
                this.task.send();
            }
            catch (RuntimeException ex) {
                // the transaction is over: nobody to throw to, so say which task is lost and why
                logger.error("Task {}{} ({} bytes) was not sent after its transaction committed, and is lost: {}",
                        this.task.taskId(), describeName(), this.task.task().payload().length,
                        LogSafe.escape(String.valueOf(ex.getMessage())));
            }
            return;
        }
        String outcome = (status == STATUS_ROLLED_BACK) ? "rolled back"
                : "ended with an unknown outcome (heuristic completion)";
        if (status != STATUS_ROLLED_BACK) {
            logger.warn("Task {}{} was not sent: the transaction it was dispatched in {}", this.task.taskId(),
                    describeName(), outcome);
        }
        this.task.discard(new CancellationException("task " + this.task.taskId() + " was not sent: the transaction"
                + " it was dispatched in " + outcome));
    }

    private String describeName() {
        TaskName name = this.task.task().name();
        return (name != null) ? " '" + LogSafe.escape(name.name()) + "'" : "";
    }
}
