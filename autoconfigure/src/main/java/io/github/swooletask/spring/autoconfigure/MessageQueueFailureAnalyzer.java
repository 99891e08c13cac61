package io.github.swooletask.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.swooletask.sysv.MessageQueueException;
import io.github.swooletask.sysv.UnsupportedPlatformException;

/**
 * Explains a startup that failed on the System V message queue (ipc-mode 2 or 3) and names the
 * {@code swoole.task.*} property or kernel setting to change.
 */
class MessageQueueFailureAnalyzer extends AbstractFailureAnalyzer<MessageQueueException> {

    private static final int EPERM = 1;

    private static final int ENOMEM = 12;

    private static final int EACCES = 13;

    private static final int ENOSPC = 28;

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MessageQueueException cause) {
        return new FailureAnalysis("The task queue could not be set up: " + cause.getMessage(), action(cause), cause);
    }

    private static String action(MessageQueueException cause) {
        if (cause instanceof UnsupportedPlatformException) {
            return "Set swoole.task.ipc-mode=1 (unix-socket), which needs no System V message queue.";
        }
        return switch (cause.errno()) {
            case EACCES -> "Choose another swoole.task.message-queue-key for this application, run it as the queue's"
                    + " owner, or remove the queue (ipcrm -Q KEY) so that it is created again with"
                    + " swoole.task.message-queue-perms.";
            case ENOSPC -> "Remove leaked message queues (ipcs -q, then ipcrm -q ID) or raise kernel.msgmni.";
            case EPERM -> "Lower swoole.task.message-queue-capacity to at most kernel.msgmnb, raise kernel.msgmnb"
                    + " (sysctl -w kernel.msgmnb=BYTES), or give the process CAP_SYS_RESOURCE.";
            case ENOMEM -> "Free memory on the host, or lower swoole.task.message-queue-capacity.";
            default -> "Check the queue with ipcs -q; swoole.task.message-queue-key selects it and"
                    + " swoole.task.ipc-mode=1 avoids System V queues altogether.";
        };
    }
}
