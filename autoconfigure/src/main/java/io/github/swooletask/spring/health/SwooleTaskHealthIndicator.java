package io.github.swooletask.spring.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.ConsumerProblems;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Health of swoole-task: DOWN when the queue's state cannot be read (queue gone, permission lost) or names a problem
 * (in mode 1, the socket's acceptor ended or cannot serve new connections), when a task
 * worker died (until its replacement), is stuck on one message, or the queue is starved while every worker is idle
 * ({@link ConsumerProblems}), or when the workers are not running although they should (started with handlers, or
 * due to start with the context); UP otherwise, a pause included. Details: mode, depth, capacity and the workers.
 */
public class SwooleTaskHealthIndicator extends AbstractHealthIndicator {

    private final TaskTransport transport;

    private final TaskWorkerPool pool;

    private final TaskWorkerLifecycle lifecycle;

    private volatile @Nullable ConsumerProblems consumerProblems;

    /**
     * @param transport whose queue is checked
     * @param pool whose workers are checked
     * @param lifecycle tells whether the workers should run; null to check only the queue and dead workers
     */
    public SwooleTaskHealthIndicator(TaskTransport transport, TaskWorkerPool pool, TaskWorkerLifecycle lifecycle) {
        super("swoole-task health check failed");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.lifecycle = lifecycle;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        IpcMode mode = this.transport.mode();
        Map<String, Object> modeDetail = new LinkedHashMap<>();
        modeDetail.put("number", mode.number());
        modeDetail.put("name", mode.label());
        builder.withDetail("mode", modeDetail);
        List<String> problems = new ArrayList<>();
        try {
            QueueStatus status = this.transport.status();
            builder.withDetail("depth", status.depth()).withDetail("capacity", status.capacity());
            problems.addAll(status.problems());
        }
        catch (RuntimeException ex) {
            problems.add("the task queue's state cannot be read: " + ex.getMessage());
        }
        int dead = this.pool.deadCount();
        Map<String, Object> workers = new LinkedHashMap<>();
        workers.put("total", this.pool.size());
        workers.put("active", this.pool.activeCount());
        workers.put("paused", this.pool.pausedCount());
        workers.put("dead", dead);
        workers.put("replaced", this.pool.replacedCount());
        workers.put("running", this.pool.isRunning());
        builder.withDetail("workers", workers);
        ConsumerProblems consumers = this.consumerProblems;
        if (consumers != null) {
            problems.addAll(consumers.find());
        }
        else if (dead > 0) {
            problems.add(dead + " task worker(s) died of an unexpected error (see the log: 'Task worker N died')");
        }
        if (shouldRun() && !this.pool.isRunning()) {
            problems.add("the task workers are not running");
        }
        if (problems.isEmpty()) {
            builder.up();
        }
        else {
            builder.down().withDetail("problems", problems);
        }
    }

    /** Whether workers should run: started with handlers, or stopped but due to start with the context. */
    private boolean shouldRun() {
        if (this.lifecycle == null) {
            return false;
        }
        return this.lifecycle.isRunning() ? this.lifecycle.hasWorkers() : this.lifecycle.isAutoStartup();
    }

    /**
     * Adds what keeps tasks from being consumed (dead workers, workers stuck on one message, a queue starved while
     * every worker is idle) to the problems that make the health DOWN.
     */
    public void setConsumerProblems(ConsumerProblems problems) {
        this.consumerProblems = problems;
    }
}
