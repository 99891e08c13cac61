package io.github.swooletask.worker;

import java.time.Duration;

/**
 * A worker found on one message for a long time.
 * @param workerId the worker, from 0
 * @param taskId the task it runs (of a batch: the one it is on)
 * @param busyFor how long it has been on the message
 */
public record BusyWorker(int workerId, int taskId, Duration busyFor) {
}
