package io.github.swooletask.spring.metrics;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.dispatch.DispatchStatistics;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerStatistics;

/**
 * Micrometer meters of swoole-task: the queue's depth, bytes and capacity, dispatch results, handler execution
 * times, rejected messages and worker counts. Every tag value comes from code (handler and exception class names,
 * fixed result and reason names), never from a task, so cardinality stays low.
 *
 * <p>The three queue gauges share one {@link TaskTransport#status()} read (one {@code msgctl}) for
 * {@value #STATUS_CACHE_MILLIS} ms, so a scrape costs one system call; a status that cannot be read shows as
 * {@code NaN}. Handler runs are timed through {@link TaskExecutionListener}; runs before {@link #bindTo} are not
 * recorded.
 */
public final class SwooleTaskMetrics implements MeterBinder, TaskExecutionListener {

    /** How long one queue status read serves the queue gauges. */
    public static final long STATUS_CACHE_MILLIS = 100;

    private static final long STATUS_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(STATUS_CACHE_MILLIS);

    private static final Logger logger = LoggerFactory.getLogger(SwooleTaskMetrics.class);

    private static final String EXECUTION = "swoole.task.execution";

    private final Supplier<TaskTransport> transport;

    private final Supplier<TaskWorkerPool> pool;

    private final Supplier<TaskDispatcher> dispatcher;

    private volatile ExecutionTimers[] timers = new ExecutionTimers[0];

    private QueueStatus status;

    private long statusReadAt;

    private boolean statusRead;

    /**
     * @param transport whose queue the gauges read
     * @param pool whose workers and totals are measured
     * @param dispatcher whose dispatch results are counted
     */
    public SwooleTaskMetrics(TaskTransport transport, TaskWorkerPool pool, TaskDispatcher dispatcher) {
        this(constant(transport, "transport"), constant(pool, "pool"), constant(dispatcher, "dispatcher"));
    }

    private SwooleTaskMetrics(Supplier<TaskTransport> transport, Supplier<TaskWorkerPool> pool,
            Supplier<TaskDispatcher> dispatcher) {
        this.transport = transport;
        this.pool = pool;
        this.dispatcher = dispatcher;
    }

    /**
     * Metrics whose transport, pool and dispatcher are looked up when the meters are bound, not before. The worker
     * pool's handler invoker takes every {@link TaskExecutionListener} when it is made, and this binder is one, so
     * taking the pool in the constructor would make a cycle (metrics, pool, invoker, metrics).
     */
    public static SwooleTaskMetrics deferred(Supplier<TaskTransport> transport, Supplier<TaskWorkerPool> pool,
            Supplier<TaskDispatcher> dispatcher) {
        return new SwooleTaskMetrics(Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(pool, "pool"), Objects.requireNonNull(dispatcher, "dispatcher"));
    }

    private static <T> Supplier<T> constant(T value, String name) {
        Objects.requireNonNull(value, name);
        return () -> value;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        TaskTransport transport = Objects.requireNonNull(this.transport.get(), "transport");
        TaskWorkerPool pool = Objects.requireNonNull(this.pool.get(), "pool");
        TaskDispatcher dispatcher = Objects.requireNonNull(this.dispatcher.get(), "dispatcher");
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
        FunctionCounter.builder("swoole.task.processed", statistics, WorkerStatistics::processedCount)
            .description("Tasks whose handler returned normally")
            .baseUnit("tasks")
            .register(registry);
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

        synchronized (this) {
            ExecutionTimers[] current = this.timers;
            ExecutionTimers[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = new ExecutionTimers(registry);
            this.timers = next;
        }
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
    private synchronized QueueStatus status(TaskTransport transport) {
        long now = System.nanoTime();
        if (this.statusRead && now - this.statusReadAt < STATUS_CACHE_NANOS) {
            return this.status;
        }
        QueueStatus status;
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

    @Override
    public void executed(TaskHandlerMethod handler, long nanos, Throwable failure) {
        for (ExecutionTimers timers : this.timers) {
            timers.timer(handler, failure).record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private static String exceptionTag(Class<?> type) {
        String name = type.getSimpleName();
        return name.isEmpty() ? type.getName() : name;
    }

    /** The execution timers of one registry, made once per handler and exception class. */
    private static final class ExecutionTimers {

        private final MeterRegistry registry;

        private final ConcurrentHashMap<TaskHandlerMethod, HandlerTimers> handlers = new ConcurrentHashMap<>();

        ExecutionTimers(MeterRegistry registry) {
            this.registry = registry;
        }

        Timer timer(TaskHandlerMethod handler, Throwable failure) {
            HandlerTimers timers = this.handlers.get(handler);
            if (timers == null) {
                timers = this.handlers.computeIfAbsent(handler, (h) -> new HandlerTimers(this.registry, h));
            }
            return (failure != null) ? timers.failure(failure.getClass()) : timers.success;
        }
    }

    /** One handler's timers: one for success, one per exception class it failed with. */
    private static final class HandlerTimers {

        private final MeterRegistry registry;

        private final String handler;

        final Timer success;

        private final ConcurrentHashMap<Class<?>, Timer> failures = new ConcurrentHashMap<>();

        HandlerTimers(MeterRegistry registry, TaskHandlerMethod handler) {
            this.registry = registry;
            this.handler = handler.displayName();
            this.success = build("success", "none");
        }

        Timer failure(Class<?> exception) {
            Timer timer = this.failures.get(exception);
            if (timer == null) {
                timer = this.failures.computeIfAbsent(exception, (type) -> build("failure", exceptionTag(type)));
            }
            return timer;
        }

        private Timer build(String result, String exception) {
            return Timer.builder(EXECUTION)
                .tag("handler", this.handler)
                .tag("result", result)
                .tag("exception", exception)
                .description("Task handler runs, retries included")
                .register(this.registry);
        }
    }
}
