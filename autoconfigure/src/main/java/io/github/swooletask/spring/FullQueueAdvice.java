package io.github.swooletask.spring;

import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;

/** The {@code swoole.task.*} properties that help when a dispatch found the queue full. */
final class FullQueueAdvice {

    private FullQueueAdvice() {
    }

    /** The exception with the properties to change added to its message (unchanged while closing). */
    static QueueFullException advise(QueueFullException ex) {
        if (ex.closing()) {
            return ex;
        }
        StringBuilder advice = new StringBuilder(". Properties: add workers (swoole.task.worker-num) or raise the");
        advice.append((ex.mode() == IpcMode.UNIX_SOCKET) ? " socket buffer (swoole.task.socket-buffer-size)"
                : " queue's capacity (swoole.task.message-queue-capacity, or kernel.msgmnb and recreate the queue)");
        advice.append((ex.waited() != null) ? ", or raise swoole.task.dispatch-timeout"
                : ", or wait for room with swoole.task.full-queue-policy=block");
        return ex.withAdvice(advice.toString());
    }
}
