package io.github.swooletask.spring.metrics;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.handler.TaskHandlerMethod;

/**
 * The distribution summary {@code swoole.task.batch.size} (base unit {@code tasks}, tag {@code handler}): how many
 * tasks each run of a batch handler took, for choosing its {@code batchSize} and {@code concurrency}. Observation on
 * or off. Thread-safe.
 */
public final class BatchSizeMetrics implements TaskExecutionListener {

    /** The summary's name. */
    public static final String BATCH_SIZE = "swoole.task.batch.size";

    private final MeterRegistry registry;

    private final ConcurrentHashMap<TaskHandlerMethod, DistributionSummary> sizes = new ConcurrentHashMap<>();

    public BatchSizeMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void batchExecuted(TaskHandlerMethod handler, int tasks, long nanos, @Nullable Throwable failure) {
        DistributionSummary summary = this.sizes.get(handler);
        if (summary == null) {
            summary = this.sizes.computeIfAbsent(handler, (h) -> DistributionSummary.builder(BATCH_SIZE)
                .tag("handler", h.displayName())
                .baseUnit("tasks")
                .description("Tasks per run of a batch handler")
                .register(this.registry));
        }
        summary.record(tasks);
    }

    /** Runs one task at a time are not batches: nothing to record. */
    @Override
    public void executed(TaskHandlerMethod handler, long nanos, @Nullable Throwable failure) {
    }
}
