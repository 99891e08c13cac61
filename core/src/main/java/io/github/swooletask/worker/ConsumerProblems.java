package io.github.swooletask.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.swooletask.transport.TaskTransport;

/**
 * What keeps tasks from being consumed, for health checks and the endpoint: workers that died (and wait for their
 * replacement), workers on one message for longer than {@code stuckAfter}, and a queue that holds messages while
 * every worker waits for one and nothing was taken for {@code starvedAfter} (in ipc-mode 2, messages of a type no
 * worker reads; a reader that is wedged). Starvation is seen across calls: the first call that finds the condition
 * starts the clock. Thread-safe.
 */
public final class ConsumerProblems {

    private final TaskWorkerPool pool;

    private final TaskTransport transport;

    private final Duration stuckAfter;

    private final Duration starvedAfter;

    private long starvedSinceNanos;

    private long receivedAtStart = -1;

    public ConsumerProblems(TaskWorkerPool pool, TaskTransport transport, Duration stuckAfter, Duration starvedAfter) {
        this.pool = pool;
        this.transport = transport;
        this.stuckAfter = stuckAfter;
        this.starvedAfter = starvedAfter;
    }

    /** How long a worker may be on one message before it counts as stuck. */
    public Duration stuckAfter() {
        return this.stuckAfter;
    }

    /** How long messages may wait while every worker is idle before the queue counts as starved. */
    public Duration starvedAfter() {
        return this.starvedAfter;
    }

    /** The problems now, each a sentence; empty when there is none. */
    public synchronized List<String> find() {
        List<String> problems = new ArrayList<>();
        int dead = this.pool.deadCount();
        if (dead > 0) {
            problems.add(dead + " task worker(s) died of an unexpected error and wait for their replacement (see the"
                    + " log: 'Task worker N died'); " + this.pool.replacedCount() + " replaced so far");
        }
        for (BusyWorker busy : this.pool.busyLongerThan(this.stuckAfter)) {
            problems.add("task worker " + busy.workerId() + " has been on task " + busy.taskId() + " for "
                    + seconds(busy.busyFor()) + ", longer than stuck-after (" + seconds(this.stuckAfter) + ")");
        }
        String starved = starved();
        if (starved != null) {
            problems.add(starved);
        }
        return problems;
    }

    private String starved() {
        long depth;
        try {
            depth = this.pool.isRunning() && !this.pool.isPaused() && this.pool.activeCount() == 0
                    ? this.transport.status().depth() : 0;
        }
        catch (RuntimeException ex) {
            depth = 0;  // an unreadable queue is a problem of its own, reported by whoever reads it
        }
        long received = this.pool.statistics().receivedCount();
        long now = System.nanoTime();
        if (depth <= 0 || received != this.receivedAtStart) {
            this.receivedAtStart = (depth > 0) ? received : -1;
            this.starvedSinceNanos = now;
            return null;
        }
        Duration waiting = Duration.ofNanos(now - this.starvedSinceNanos);
        if (waiting.compareTo(this.starvedAfter) < 0) {
            return null;
        }
        return depth + " message(s) wait in the queue while every worker is idle, and none was taken for "
                + seconds(waiting) + " (starved-after " + seconds(this.starvedAfter) + "): in ipc-mode 2, messages of"
                + " a type no worker reads (a worker number at or above worker-num, or a wrong worker-mtype-offset);"
                + " otherwise another reader of the queue, or a wedged one";
    }

    private static String seconds(Duration duration) {
        return (duration.toMillis() / 1000.0) + " s";
    }
}
