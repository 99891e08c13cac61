package io.github.swooletask.spring.metrics;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.dispatch.DispatchStatistics;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerStatistics;

/**
 * Micrometer meters of swoole-task's queue, dispatcher and workers: the queue's depth, bytes and capacity, dispatch
 * results, rejected messages, tasks that failed every attempt, and worker counts. Every tag value is a fixed name
 * from code, never from a task, so cardinality stays low. Handler runs are timed apart, by
 * {@link TaskExecutionMetrics} or the process observation.
 *
 * <p>The three queue gauges share one {@link TaskTransport#status()} read (one {@code msgctl}) for
 * {@value #STATUS_CACHE_MILLIS} ms, so a scrape costs one system call; a status that cannot be read shows as
 * {@code NaN}.
 */
public final class SwooleTaskMetrics implements MeterBinder {

    /** How long one queue status read serves the queue gauges. */
    public static final long STATUS_CACHE_MILLIS = 100;

    private static final long STATUS_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(STATUS_CACHE_MILLIS);

    private static final Logger logger = LoggerFactory.getLogger(SwooleTaskMetrics.class);

    private final TaskTransport transport;

    private final TaskWorkerPool pool;

    private final TaskDispatcher dispatcher;

    private @Nullable QueueStatus status;

    private long statusReadAt;

    private boolean statusRead;

    /**
     * @param transport whose queue the gauges read
     * @param pool whose workers and totals are measured
     * @param dispatcher whose dispatch results are counted
     */
    public SwooleTaskMetrics(TaskTransport transport, TaskWorkerPool pool, TaskDispatcher dispatcher) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        TaskTransport transport = this.transport;
        TaskWorkerPool pool = this.pool;
        TaskDispatcher dispatcher = this.dispatcher;
        queueGauge(registry, transport, "swoole.task.queue.depth", QueueStatus::depth, "messages",
                "Tasks waiting in the queue");
        queueGauge(registry, transport, "swoole.task.queue.bytes", QueueStatus::bytes, BaseUnits.BYTES,
                "Bytes waiting in the queue");
        queueGauge(registry, transport, "swoole.task.queue.capacity", QueueStatus::capacity, BaseUnits.BYTES,
                "Byte capacity of the queue");

        DispatchStatistics dispatched = dispatcher.statistics();
        dispatchCounter(registry, dispatched, "success", DispatchStatistics::queuedCount);
        dispatchCounter(registry, dispatched, "full", DispatchStatistics::fullCount);
        dispatchCounter(registry, dispatched, "error", DispatchStatistics::errorCount);

        WorkerStatistics statistics = pool.statistics();
        for (RejectReason reason : RejectReason.values()) {
            FunctionCounter.builder("swoole.task.rejected", statistics, (s) -> s.rejectedCount(reason))
                .tag("reason", reason.tag())
                .description("Messages that could not become a task")
                .baseUnit("messages")
                .register(registry);
        }
        // tasks that returned are the execution timer's successes; failed tasks are fewer than failed runs when
        // retries run, so only they get a counter
        FunctionCounter.builder("swoole.task.failed", statistics, WorkerStatistics::failedCount)
            .description("Tasks whose handler failed every attempt")
            .baseUnit("tasks")
            .register(registry);

        Gauge.builder("swoole.task.workers.active", pool, TaskWorkerPool::activeCount)
            .description("Task workers running a handler now")
            .baseUnit("workers")
            .strongReference(true)
            .register(registry);
        Gauge.builder("swoole.task.workers", pool, TaskWorkerPool::size)
            .description("Task workers in the pool")
            .baseUnit("workers")
            .strongReference(true)
            .register(registry);

    }

    private void queueGauge(MeterRegistry registry, TaskTransport transport, String name,
            ToLongFunction<QueueStatus> value, String unit, String description) {
        Gauge.builder(name, this, (metrics) -> metrics.queueValue(transport, value))
            .description(description)
            .baseUnit(unit)
            .strongReference(true)
            .register(registry);
    }

    private static void dispatchCounter(MeterRegistry registry, DispatchStatistics statistics, String result,
            ToLongFunction<DispatchStatistics> count) {
        FunctionCounter.builder("swoole.task.dispatched", statistics, (s) -> count.applyAsLong(s))
            .tag("result", result)
            .description("Tasks this application put on the queue, by result")
            .baseUnit("tasks")
            .register(registry);
    }

    private double queueValue(TaskTransport transport, ToLongFunction<QueueStatus> value) {
        QueueStatus status = status(transport);
        if (status == null) {
            return Double.NaN;
        }
        long number = value.applyAsLong(status);
        // a transport that cannot tell (Redis Streams has no byte count or byte capacity) says -1
        return (number >= 0) ? number : Double.NaN;
    }

    /** The queue status, read at most once per {@value #STATUS_CACHE_MILLIS} ms; null when it cannot be read. */
    private synchronized @Nullable QueueStatus status(TaskTransport transport) {
        long now = System.nanoTime();
        if (this.statusRead && now - this.statusReadAt < STATUS_CACHE_NANOS) {
            return this.status;
        }
        @Nullable QueueStatus status;
        try {
            status = transport.status();
        }
        catch (RuntimeException ex) {
            logger.debug("Cannot read the task queue's status for its gauges: {}", ex.getMessage());
            status = null;
        }
        this.status = status;
        this.statusReadAt = now;
        this.statusRead = true;
        return status;
    }
}
