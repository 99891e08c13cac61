package io.github.swooletask.dispatch;

import java.util.function.IntSupplier;

import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.OutgoingTask;

/**
 * Which worker a task goes to: in ipc-mode 2 the one asked for, or the selector's pick; in the other modes any
 * (asking for one is an error there, as a target cannot be honoured). Thread-safe.
 */
final class WorkerTargeting {

    private final IpcMode mode;

    private final int workerCount;

    private final IntSupplier selector;

    WorkerTargeting(IpcMode mode, int workerCount, IntSupplier selector) {
        this.mode = mode;
        this.workerCount = workerCount;
        this.selector = selector;
    }

    /**
     * @param requested a worker id, or {@link OutgoingTask#ANY_WORKER}
     * @return the worker in mode 2, {@link OutgoingTask#ANY_WORKER} otherwise
     * @throws IllegalArgumentException when a worker is asked for outside mode 2, or does not exist
     */
    int target(int requested) {
        if (this.mode != IpcMode.MSGQUEUE) {
            if (requested >= 0) {
                throw new IllegalArgumentException("a task can be addressed to one worker only in ipc-mode 2"
                        + " (msgqueue); this is ipc-mode " + this.mode.number());
            }
            return OutgoingTask.ANY_WORKER;
        }
        if (requested < 0) {
            return this.selector.getAsInt();
        }
        if (requested >= this.workerCount) {
            throw new IllegalArgumentException("worker " + requested + " does not exist: worker ids run from 0 to "
                    + (this.workerCount - 1));
        }
        return requested;
    }

    /** How many separate message streams there are: one per worker in mode 2, one otherwise. */
    int streams() {
        return (this.mode == IpcMode.MSGQUEUE) ? this.workerCount : 1;
    }

    /** The stream of a target from {@link #target}. */
    int stream(int target) {
        return (this.mode == IpcMode.MSGQUEUE) ? target : 0;
    }
}
