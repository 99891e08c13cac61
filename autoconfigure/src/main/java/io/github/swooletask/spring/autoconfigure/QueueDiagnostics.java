package io.github.swooletask.spring.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.QueueStats;

/**
 * Startup checks of a message queue that tell an operator what to change: a capacity at the kernel's small default,
 * and a keyed queue found with another owner, looser permissions, or tasks from someone else.
 */
final class QueueDiagnostics {

    private static final Logger logger = LoggerFactory.getLogger(QueueDiagnostics.class);

    /** A capacity below this holds too small a backlog to absorb a burst. */
    static final long SMALL_CAPACITY = 1024 * 1024;

    private QueueDiagnostics() {
    }

    /** Warns when the queue's capacity is the 16 KiB default or otherwise small. */
    static void checkCapacity(MessageQueue queue, KernelLimits limits) {
        QueueStats stats = queue.stats();
        if (stats.capacity() >= SMALL_CAPACITY) {
            return;
        }
        long suggested = 64L * 1024 * 1024;
        logger.warn("Task queue {} holds only {} bytes (kernel.msgmnb is {}{}): about {} small tasks before"
                + " dispatchers block. Raise it: `sysctl -w kernel.msgmnb={}`, make it stick with"
                + " `echo 'kernel.msgmnb = {}' > /etc/sysctl.d/90-swoole-task.conf`, then recreate the queue (ipcrm -Q"
                + " KEY) or set swoole.task.message-queue-capacity", queue, stats.capacity(), limits.msgmnb(),
                (limits.msgmnb() == KernelLimits.DEFAULT_MSGMNB) ? ", the Linux default" : "", stats.capacity() / 28,
                suggested, suggested);
    }

    /**
     * Checks a keyed queue that existed before this start.
     * @param strict refuse (throw) instead of warning
     */
    static void checkExisting(MessageQueue queue, int configuredPerms, boolean strict) {
        QueueStats stats = queue.stats();
        int uid = MessageQueue.currentUid();
        StringBuilder problems = new StringBuilder();
        if (stats.ownerUid() != uid) {
            problems.append("it is owned by uid ").append(stats.ownerUid()).append(", not by this user (uid ")
                .append(uid).append("); ");
        }
        if ((stats.mode() & ~configuredPerms) != 0) {
            problems.append("its permissions ").append(stats.modeOctal()).append(" are looser than the configured ")
                .append(String.format("0%03o", configuredPerms)).append("; ");
        }
        if (problems.length() > 0) {
            String message = "Task queue " + queue + " exists already and " + problems
                    + "another application may share this key or post to it. Choose another"
                    + " swoole.task.message-queue-key, or remove the queue with `ipcrm -Q " + queue.keyHex() + "`";
            if (strict) {
                throw new IllegalStateException(message + " (refused because swoole.task.strict-queue-owner=true)");
            }
            logger.warn(message);
        }
        int self = MessageQueue.currentPid();
        if (stats.messages() > 0) {
            logger.info("Task queue {} holds {} task(s) ({} bytes) waiting from before this start; last sent by pid {}{}",
                    queue, stats.messages(), stats.bytes(), stats.lastSenderPid(),
                    (stats.lastSenderPid() == self) ? " (this process)" : "");
        }
    }
}
