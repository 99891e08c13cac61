package io.github.swooletask.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline for {@code HotPathBenchmark.invokeOnly} with {@code telemetry=observed}: what one Micrometer
 * observation costs by itself, with the registry wired the same way (a {@link DefaultMeterObservationHandler} on a
 * {@link SimpleMeterRegistry}) around a call that does nothing. {@code bare} has no key values; {@code keyed} has the
 * key values the starter's process observation carries (six low-cardinality ones made once, three high-cardinality
 * ones made per run, as the default convention does). The difference to {@code invokeOnly} is what the starter adds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ObservationFloorBenchmark {

    private ObservationRegistry registry;

    private KeyValues lowCardinality;

    private int taskId;

    private long calls;

    @Setup
    public void setUp() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        this.registry = ObservationRegistry.create();
        this.registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        this.lowCardinality = KeyValues.of("messaging.system", "swoole-task", "messaging.operation", "process",
                "messaging.destination.name", "default", "handler", "Handler.onTask", "result", "success",
                "exception", "none");
    }

    /** An observation with a name only. */
    @Benchmark
    public long bare() {
        Observation.createNotStarted("swoole.task.execution", this.registry).observe(this::call);
        return this.calls;
    }

    /** An observation with the key values of the starter's process observation. */
    @Benchmark
    public long keyed() {
        int id = ++this.taskId;
        Observation.createNotStarted("swoole.task.execution", this.registry)
            .contextualName("process default")
            .lowCardinalityKeyValues(this.lowCardinality)
            .highCardinalityKeyValue("messaging.message.id", Integer.toString(id))
            .highCardinalityKeyValue("swoole.task.attempt", Long.toString(1))
            .highCardinalityKeyValue("swoole.task.worker", Integer.toString(0))
            .observe(this::call);
        return this.calls;
    }

    private void call() {
        this.calls++;
    }
}
