package io.github.swooletask.spring.metrics;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.swooletask.transport.TaskTransport;

/**
 * Gauges of a transport that reaches other hosts (Redis Streams), from its {@link TaskTransport#details()} read at
 * most once a second: {@code swoole.task.consumers} (consumers of the group, every instance's workers),
 * {@code swoole.task.pending} (entries delivered but not acknowledged) and {@code swoole.task.pending.oldest} (age of
 * the oldest of them, in seconds). A value the transport cannot tell now is {@code NaN}.
 */
public final class TransportDetailMetrics implements MeterBinder {

    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final TaskTransport transport;

    private Map<String, Object> details = Map.of();

    private long readAt;

    private boolean read;

    public TransportDetailMetrics(TaskTransport transport) {
        this.transport = transport;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("swoole.task.consumers", this, (metrics) -> metrics.value("consumers"))
            .description("Consumers of the group: the workers of every instance")
            .baseUnit("consumers")
            .strongReference(true)
            .register(registry);
        Gauge.builder("swoole.task.pending", this, (metrics) -> metrics.value("pending"))
            .description("Entries delivered to a consumer and not acknowledged yet")
            .baseUnit("entries")
            .strongReference(true)
            .register(registry);
        Gauge.builder("swoole.task.pending.oldest", this, (metrics) -> metrics.value("oldestPendingMillis") / 1000.0)
            .description("Age of the oldest entry delivered and not acknowledged")
            .baseUnit("seconds")
            .strongReference(true)
            .register(registry);
    }

    private synchronized double value(String name) {
        long now = System.nanoTime();
        if (!this.read || now - this.readAt > CACHE_NANOS) {
            this.details = this.transport.details();
            this.readAt = now;
            this.read = true;
        }
        Object value = this.details.get(name);
        if (value instanceof Number number) {
            return (number.doubleValue() >= 0) ? number.doubleValue() : Double.NaN;
        }
        if (value instanceof Collection<?> collection) {
            return collection.size();
        }
        return Double.NaN;
    }
}
