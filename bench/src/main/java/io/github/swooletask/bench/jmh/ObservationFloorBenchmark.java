package io.github.swooletask.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.MeterRegistry;
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

import io.github.swooletask.spring.observation.SwooleTaskObservation.ProcessHighCardinalityKeys;
import io.github.swooletask.spring.observation.SwooleTaskObservation.ProcessLowCardinalityKeys;

/**
 * The baseline for {@code HotPathBenchmark.invokeOnly} with {@code telemetry=observed}: what one Micrometer
 * observation costs by itself, with the registry wired the same way (a {@link DefaultMeterObservationHandler} on a
 * {@link SimpleMeterRegistry}, {@link #timedBy}) around a call that does nothing. {@code bare} has no key values;
 * {@code keyed} has the key values the starter's process observation carries, made as the default convention makes
 * them: the six low-cardinality ones once, of the three high-cardinality ones the task id per run (attempt and worker
 * are small numbers whose text it keeps). The difference to {@code invokeOnly} is what the starter adds.
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
        this.registry = timedBy(new SimpleMeterRegistry());
        this.lowCardinality = KeyValues.of(ProcessLowCardinalityKeys.MESSAGING_SYSTEM.withValue("swoole-task"),
                ProcessLowCardinalityKeys.MESSAGING_OPERATION.withValue("process"),
                ProcessLowCardinalityKeys.MESSAGING_DESTINATION_NAME.withValue("default"),
                ProcessLowCardinalityKeys.HANDLER.withValue("Handler.onTask"),
                ProcessLowCardinalityKeys.RESULT.withValue("success"),
                ProcessLowCardinalityKeys.EXCEPTION.withValue("none"));
    }

    /** Observations that become timers on {@code meters}, as Boot's actuator wires them; the hot path's too. */
    static ObservationRegistry timedBy(MeterRegistry meters) {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        return registry;
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
            .highCardinalityKeyValue(ProcessHighCardinalityKeys.MESSAGING_MESSAGE_ID.withValue(Integer.toString(id)))
            .highCardinalityKeyValue(ProcessHighCardinalityKeys.ATTEMPT.withValue("1"))
            .highCardinalityKeyValue(ProcessHighCardinalityKeys.WORKER.withValue("0"))
            .observe(this::call);
        return this.calls;
    }

    private void call() {
        this.calls++;
    }
}
