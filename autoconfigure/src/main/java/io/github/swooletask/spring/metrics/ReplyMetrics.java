package io.github.swooletask.spring.metrics;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.swooletask.reply.ReplyStatistics;

/**
 * The counter {@code swoole.task.replies} of replies to other programs, tag {@code result}: {@code sent},
 * {@code refused} (the reply queue failed the rule, so the task did not run) and {@code undeliverable} (the
 * caller's queue stayed full or was gone).
 */
public final class ReplyMetrics implements MeterBinder {

    private final ReplyStatistics statistics;

    public ReplyMetrics(ReplyStatistics statistics) {
        this.statistics = statistics;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "sent", ReplyStatistics::sentCount);
        counter(registry, "refused", ReplyStatistics::refusedCount);
        counter(registry, "undeliverable", ReplyStatistics::undeliverableCount);
    }

    private void counter(MeterRegistry registry, String result,
            ToDoubleFunction<ReplyStatistics> count) {
        FunctionCounter.builder("swoole.task.replies", this.statistics, count)
            .tag("result", result)
            .description("Replies to other programs that asked for a task's result, by result")
            .baseUnit("replies")
            .register(registry);
    }
}
