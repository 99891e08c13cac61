package io.github.swooletask.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.core.retry.RetryPolicy;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.FullQueuePolicy;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.DefaultTaskPayloadConverter;
import io.github.swooletask.spring.handler.TaskHandlerAnnotationBeanPostProcessor;
import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.handler.TaskPayloadConverter;
import io.github.swooletask.spring.metrics.TaskExecutionMetrics;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFrame;

/**
 * The whole path of one task in one thread, built from the starter's own classes as its auto-configuration wires
 * them (mode 3, private queue, batching off): {@link TaskTemplate#dispatch(Object)} &rarr; msgsnd &rarr; msgrcv
 * &rarr; {@link FrameDecoder#decode} &rarr; {@link TaskHandlerInvoker#process} &rarr; a {@code @TaskHandler} taking
 * a {@code ByteBuffer} or a {@code byte[]}. Nothing sleeps, so this is the CPU and allocation cost per task; the
 * worker loop's own bookkeeping (state, statistics) is left out because it is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class HotPathBenchmark {

    @Param({ "ByteBuffer", "byte[]" })
    public String handler;

    @Param({ "16" })
    public int payloadSize;

    /**
     * What the worker side records per task: {@code none}; {@code metrics}, the execution timer (as the starter
     * registers it with a MeterRegistry); {@code observed}, an observation per task whose registry turns
     * observations into timers, as Boot's actuator wires it (the observation is then the execution timer, and the
     * starter leaves TaskExecutionMetrics out). {@link ObservationFloorBenchmark} is its baseline.
     */
    @Param({ "none", "metrics", "observed" })
    public String telemetry;

    private MessageQueue queue;

    private Thread removeOnExit;

    private TaskTemplate template;

    private TaskReceiver receiver;

    private TaskHandlerInvoker invoker;

    private FrameDecoder decoder;

    private final FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);

    private final DecodedTask task = new DecodedTask();

    private byte[] payload;

    private DecodedTask decoded;

    /** Takes the payload as a view. */
    public static class ByteBufferHandler {

        long bytes;

        @TaskHandler
        public void onTask(ByteBuffer payload) {
            this.bytes += payload.remaining();
        }
    }

    /** Takes the payload as a copy. */
    public static class BytesHandler {

        long bytes;

        @TaskHandler
        public void onTask(byte[] payload) {
            this.bytes += payload.length;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        this.queue = MessageQueue.createPrivate(0600);
        MessageQueue created = this.queue;
        this.removeOnExit = new Thread(created::remove, "remove-bench-queue");
        Runtime.getRuntime().addShutdownHook(this.removeOnExit);
        SysVTransport transport = new SysVTransport(this.queue, IpcMode.MSGQUEUE_PREEMPTIVE, 2);
        SpillFiles spillFiles = new SpillFiles(Path.of(System.getProperty("java.io.tmpdir")), 16L << 20);
        TaskReplies replies = new TaskReplies();
        TaskDispatcher dispatcher = new TaskDispatcher(transport, new FrameEncoder(spillFiles),
                DispatcherSettings.of(1).withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(10)), replies);
        DefaultTaskPayloadConverter converter = new DefaultTaskPayloadConverter(JsonMapper.builder().build());
        this.template = new TaskTemplate(dispatcher, converter, Duration.ofSeconds(30));
        TaskHandlerRegistry registry = new TaskHandlerRegistry();
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("registry", registry);
        beans.addBean("converter", converter);
        Object bean = this.handler.equals("ByteBuffer") ? new ByteBufferHandler() : new BytesHandler();
        new TaskHandlerAnnotationBeanPostProcessor(beans.getBeanProvider(TaskHandlerRegistry.class),
                beans.getBeanProvider(TaskPayloadConverter.class)).postProcessAfterInitialization(bean, "handler");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // with observations on, the observation times each run and the starter registers no TaskExecutionMetrics
        List<TaskExecutionListener> listeners = this.telemetry.equals("metrics")
                ? List.of(new TaskExecutionMetrics(meters)) : List.of();
        this.invoker = new TaskHandlerInvoker(registry, replies.tag(), RetryPolicy.withMaxRetries(0), null, listeners);
        if (this.telemetry.equals("observed")) {
            this.invoker.setObservations(new TaskObservations(ObservationFloorBenchmark.timedBy(meters)));
        }
        this.receiver = transport.receiver(0);
        this.decoder = new FrameDecoder(spillFiles);
        this.payload = new byte[this.payloadSize];
        Arrays.fill(this.payload, (byte) 0xAB);
        // one decoded task kept for invokeOnly: its payload view stays valid while nothing else is received
        this.template.dispatch(this.payload);
        int length = this.receiver.receive(this.buffer);
        this.decoded = new DecodedTask();
                new FrameDecoder(spillFiles).decode(this.buffer.frame(), length, this.decoded);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        this.queue.remove();
        Runtime.getRuntime().removeShutdownHook(this.removeOnExit);
    }

    /** TaskTemplate.dispatch, then the worker's receive: the two system calls with everything Java adds to them. */
    @Benchmark
    public int dispatchReceive() {
        this.template.dispatch(this.payload);
        return this.receiver.receive(this.buffer);
    }

    /** TaskHandlerInvoker.process of a decoded task: routing, TaskContext, argument conversion, reflection. */
    @Benchmark
    public Object invokeOnly() throws Exception {
        return this.invoker.process(this.decoded);
    }

    /** dispatch, receive, decode, invoke: one task end to end. */
    @Benchmark
    public Object dispatchToHandler() throws Exception {
        this.template.dispatch(this.payload);
        int length = this.receiver.receive(this.buffer);
        this.decoder.decode(this.buffer.frame(), length, this.task);
        return this.invoker.process(this.task);
    }
}
