package io.github.swooletask.spring.metrics;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.handler.TaskHandlerMethod;

/**
 * The timer {@code swoole.task.execution} of handler runs, tags {@code handler} ({@code SimpleClassName.method}),
 * {@code result} ({@code success}/{@code failure}) and {@code exception} (simple class name, {@code none}): one
 * sample per run, so a retried task adds one per attempt and the waits between attempts are not in it. Used while
 * observation is off; with it on, the process observation's timer has this name and these tags instead. Timers
 * are made once per handler and exception class. Thread-safe.
 */
public final class TaskExecutionMetrics implements TaskExecutionListener {

    /** The timer's name. */
    public static final String EXECUTION = "swoole.task.execution";

    private final MeterRegistry registry;

    private final ConcurrentHashMap<TaskHandlerMethod, HandlerTimers> handlers = new ConcurrentHashMap<>();

    public TaskExecutionMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void executed(TaskHandlerMethod handler, long nanos, @Nullable Throwable failure) {
        HandlerTimers timers = this.handlers.get(handler);
        if (timers == null) {
            timers = this.handlers.computeIfAbsent(handler, (h) -> new HandlerTimers(this.registry, h));
        }
        Timer timer = (failure != null) ? timers.failure(failure.getClass()) : timers.success;
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static String exceptionTag(Class<?> type) {
        String name = type.getSimpleName();
        return name.isEmpty() ? type.getName() : name;
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
                .description("Task handler runs, one per attempt")
                .register(this.registry);
        }
    }
}
