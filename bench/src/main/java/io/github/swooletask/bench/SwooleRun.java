package io.github.swooletask.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * The measured run through the real starter: boots a non-web Spring Boot context with {@code swoole.task.*} set from
 * the options, then either dispatches with {@link TaskTemplate#dispatch(Object)} from the producer threads (timed from
 * the first dispatch until the last task was handled) or lets an external producer process post the tasks (timed
 * from the first to the last task handled, as the C consumers time themselves).
 */
final class SwooleRun {

    /** A run fails when no task was handled for this long. */
    static final long STALL_SECONDS = 60;

    /** Boot's Redis connection, which the Redis Streams transport needs. */
    private static final String REDIS_AUTO_CONFIGURATION =
            "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration";

    /** Boot's Redis auto-configurations nothing in the bench uses. */
    private static final List<String> REDIS_EXTRAS = List.of(
            "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
            "org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration");

    private SwooleRun() {
    }

    /**
     * @param redis with {@code --transport redis-streams}: the server (else null)
     * @param stream with redis-streams: the run's own stream, {@code swoole.task.redis.stream} (else null)
     */
    static RunResult run(BenchOptions options, Integer key, Path workDir, ExternalPrograms programs,
            RedisServer redis, String stream, PrintStream out) throws Exception {
        TaskCounter counter = new TaskCounter();
        long msgmnb = (options.mode() == 1 || options.redisStreams()) ? -1 : KernelLimits.read().msgmnb();
        RunResult result;
        long handled;
        MeterRegistry registry;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(BenchConfiguration.class)
            .web(WebApplicationType.NONE)
            .bannerMode(Banner.Mode.OFF)
            .logStartupInfo(false)
            .properties(properties(options, key, workDir, redis, stream))
            .initializers((ctx) -> ctx.getBeanFactory().registerSingleton("taskCounter", counter))
            .run()) {
            if (options.externalProducer() == null) {
                result = dispatchFromJava(options, context.getBean(TaskTemplate.class),
                        context.getBean(TaskWorkerPool.class), counter, msgmnb);
            }
            else {
                result = options.backlog() ? drainBacklog(options, key, programs, counter, msgmnb, context)
                        : drainExternal(options, key, programs, counter, msgmnb, out);
            }
            registry = options.metrics() ? context.getBean(MeterRegistry.class) : null;
        }
        // read after the workers stopped: a task handled twice would show here, and every run was timed
        handled = counter.handled();
        if (registry != null) {
            reportExecutionTimer(registry, out);
        }
        if (counter.wrongLength() > 0) {
            throw new IllegalStateException(counter.wrongLength() + " tasks arrived with a payload of the wrong size");
        }
        return new RunResult(result.name(), result.mode(), result.payload(), result.workers(), result.producers(),
                result.tasks(), result.seconds(), result.tasksPerSecond(), result.msgmnb(), result.dispatched(),
                handled, result.note());
    }

    /** With {@code --metrics on}: how many task runs the starter's execution timer counted (warm-up included). */
    private static void reportExecutionTimer(MeterRegistry registry, PrintStream out) {
        long timed = 0;
        for (Timer timer : registry.find("swoole.task.execution").timers()) {
            timed += timer.count();
        }
        out.printf("  metrics: swoole.task.execution counted %d task runs%n", timed);
    }

    /** The properties as an application.properties file would give them: all values are strings. */
    static Map<String, Object> properties(BenchOptions options, Integer key, Path workDir, RedisServer redis,
            String stream) {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (options.redisStreams()) {
            properties.put("swoole.task.transport", "redis-streams");
            properties.put("spring.data.redis.host", redis.host());
            properties.put("spring.data.redis.port", Integer.toString(redis.port()));
            properties.put("swoole.task.redis.stream", stream);
            properties.put("swoole.task.redis.group", "swoole-task");
            // what the starter's transport does not use: Boot's reactive template and Redis repositories
            properties.put("spring.autoconfigure.exclude", String.join(",", REDIS_EXTRAS));
        }
        else {
            // spring-boot-starter-data-redis is on the class path for the Redis runs: keep it out of local runs
            properties.put("spring.autoconfigure.exclude", String.join(",", REDIS_EXTRAS) + ","
                    + REDIS_AUTO_CONFIGURATION);
        }
        properties.put("swoole.task.ipc-mode", Integer.toString(options.mode()));
        properties.put("swoole.task.worker-num", Integer.toString(options.workers()));
        if (key != null) {
            properties.put("swoole.task.message-queue-key", String.format("0x%08x", key));
        }
        properties.put("swoole.task.tmpdir", workDir.toString());
        properties.put("swoole.task.socket-path", workDir.resolve("swoole-task.sock").toString());
        if (options.batching() != null) {
            properties.put("swoole.task.batching.enabled", options.batching().toString());
        }
        properties.put("swoole.task.dead-letter.enabled", "false");
        properties.put(BenchConfiguration.METRICS, Boolean.toString(options.metrics()));
        if (options.backlog()) {
            properties.put("swoole.task.auto-startup", "false");
        }
        properties.put("swoole.task.retry.max-retries", "0");
        // a full queue must slow the producers down, never fail them, however noisy the machine
        properties.put("swoole.task.dispatch-timeout", "300s");
        properties.put("swoole.task.shutdown-timeout", "5s");
        properties.put("spring.main.banner-mode", "off");
        properties.put("spring.main.log-startup-info", "false");
        properties.put("spring.jmx.enabled", "false");
        properties.put("logging.level.root", "WARN");
        // the bench prints kernel.msgmnb itself; the startup advice to raise it would only repeat it
        properties.put("logging.level.io.github.swooletask.spring.autoconfigure", "ERROR");
        return properties;
    }

    private static RunResult dispatchFromJava(BenchOptions options, TaskTemplate template, TaskWorkerPool pool,
            TaskCounter counter, long msgmnb) throws InterruptedException {
        byte[] payload = new byte[options.payload()];
        Arrays.fill(payload, (byte) 0xAB);
        ProducerThreads.Dispatch dispatch = () -> template.dispatch(payload);

        counter.expect(options.warmup(), options.payload());
        ProducerThreads.Round warm = ProducerThreads.run("warmup", options.producers(), options.warmup(), dispatch);
        counter.awaitPhase(STALL_SECONDS, "swoole-task warm-up");

        counter.expect(options.tasks(), options.payload());
        long messagesBefore = pool.statistics().receivedCount();
        ProducerThreads.Round timed = ProducerThreads.run("swoole", options.producers(), options.tasks(), dispatch);
        counter.awaitPhase(STALL_SECONDS, "swoole-task");
        double seconds = (counter.lastNanos() - timed.startNanos()) / 1e9;
        long messages = pool.statistics().receivedCount() - messagesBefore;
        boolean redis = options.redisStreams();
        return new RunResult(redis ? "swoole-task (redis)" : "swoole-task (Java)", Integer.toString(options.mode()),
                options.payload(), options.workers(), Integer.toString(options.producers()), options.tasks(), seconds,
                options.tasks() / seconds, msgmnb, warm.dispatched() + timed.dispatched(), -1,
                String.format("first dispatch to last task handled; %d %s carried the %d tasks (%.2f tasks per"
                        + " message)", messages, redis ? "stream entries" : "messages", options.tasks(),
                        (double) options.tasks() / Math.max(1, messages)));
    }

    private static RunResult drainExternal(BenchOptions options, Integer key, ExternalPrograms programs,
            TaskCounter counter, long msgmnb, PrintStream out) throws InterruptedException {
        String kind = options.externalProducer();
        if (options.mode() == 2) {
            out.println("note: in mode 2 only task worker 0 reads mtype 2, which the external producer sends");
        }
        long timeout = producerTimeout(options.tasks() + options.warmup());
        if (options.warmup() > 0) {
            counter.expect(options.warmup(), options.payload());
            try (ChildProcess producer = ChildProcess.start(kind + " producer (warm-up)",
                    programs.producerCommand(kind, key, options.payload(), options.warmup()))) {
                counter.awaitPhase(STALL_SECONDS, "swoole-task warm-up", producer::failIfFailed);
                producer.await(timeout);
            }
        }
        counter.expect(options.tasks(), options.payload());
        List<String> lines;
        try (ChildProcess producer = ChildProcess.start(kind + " producer",
                programs.producerCommand(kind, key, options.payload(), options.tasks()))) {
            counter.awaitPhase(STALL_SECONDS, "swoole-task draining the " + kind + " producer",
                    producer::failIfFailed);
            lines = producer.await(timeout);
        }
        double seconds = (counter.lastNanos() - counter.firstNanos()) / 1e9;
        String producerRate = ChildProcess.value(lines, "msgs_per_s");
        return new RunResult("swoole-task drains " + kind, Integer.toString(options.mode()), options.payload(),
                options.workers(), "1 " + kind, options.tasks(), seconds, options.tasks() / seconds, msgmnb,
                options.warmup() + options.tasks(), -1,
                "first to last task handled; the " + kind + " producer sent " + producerRate + " msgs/s");
    }

    /**
     * The external producer queues every task first (no worker runs), then the workers start: timed from their
     * start to the last task handled.
     */
    private static RunResult drainBacklog(BenchOptions options, Integer key, ExternalPrograms programs,
            TaskCounter counter, long msgmnb, ConfigurableApplicationContext context) throws InterruptedException {
        String kind = options.externalProducer();
        counter.expect(options.tasks(), options.payload());
        try (ChildProcess producer = ChildProcess.start(kind + " producer (backlog)",
                programs.producerCommand(kind, key, options.payload(), options.tasks()))) {
            producer.await(producerTimeout(options.tasks()));
        }
        long queued = context.getBean(TaskTransport.class).status().depth();
        if (queued != options.tasks()) {
            throw new IllegalStateException("the backlog holds " + queued + " messages, expected " + options.tasks()
                    + ": raise kernel.msgmnb so the queue can hold them");
        }
        long start = System.nanoTime();
        context.getBean(TaskWorkerLifecycle.class).start();
        counter.awaitPhase(STALL_SECONDS, "swoole-task draining a backlog of " + queued);
        double seconds = (counter.lastNanos() - start) / 1e9;
        return new RunResult("swoole-task drains backlog", Integer.toString(options.mode()), options.payload(),
                options.workers(), "1 " + kind + " (before)", options.tasks(), seconds, options.tasks() / seconds,
                msgmnb, options.tasks(), -1, "workers started on a queue holding " + queued
                        + " tasks; timed from their start to the last task handled");
    }

    static long producerTimeout(long tasks) {
        return 120 + tasks / 5_000;
    }
}
