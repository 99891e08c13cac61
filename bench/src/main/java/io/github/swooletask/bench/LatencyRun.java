package io.github.swooletask.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.swooletask.spring.TaskTemplate;

/**
 * {@code --latency N}: N tasks one at a time through the real starter, each dispatched only once the previous one
 * reached its handler; a task's latency runs from just before {@link TaskTemplate#dispatch(Object)} to the handler's
 * entry. The dispatching thread spins while it waits (as the C baseline's producer does), so its own wake-up is not
 * in the figures. With {@code --baseline c}, the C program does the same on a private queue in the same invocation.
 */
final class LatencyRun {

    private LatencyRun() {
    }

    /**
     * @param redis with {@code --transport redis-streams}: the server (else null)
     * @param stream with redis-streams: the run's own stream (else null)
     */
    static LatencyResult swoole(BenchOptions options, Integer key, Path workDir, RedisServer redis, String stream) {
        TaskCounter counter = new TaskCounter();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(BenchConfiguration.class)
            .web(WebApplicationType.NONE)
            .bannerMode(Banner.Mode.OFF)
            .logStartupInfo(false)
            .properties(SwooleRun.properties(options, key, workDir, redis, stream))
            .initializers((ctx) -> ctx.getBeanFactory().registerSingleton("taskCounter", counter))
            .run()) {
            TaskTemplate template = context.getBean(TaskTemplate.class);
            byte[] payload = new byte[options.payload()];
            Arrays.fill(payload, (byte) 0xAB);
            for (long i = 0; i < options.warmup(); i++) {
                oneTask(template, payload, counter, options.payload());
            }
            long[] nanos = new long[Math.toIntExact(options.tasks())];
            for (int i = 0; i < nanos.length; i++) {
                nanos[i] = oneTask(template, payload, counter, options.payload());
            }
            if (counter.wrongLength() > 0) {
                throw new IllegalStateException(counter.wrongLength() + " tasks arrived with a payload of the wrong"
                        + " size");
            }
            return LatencyResult.of(options.redisStreams() ? "swoole-task (redis)" : "swoole-task (Java)",
                    Integer.toString(options.mode()), nanos,
                    "dispatch call to handler entry, one task at a time, " + options.warmup() + " untimed first");
        }
    }

    /** Dispatches one task and spins until its handler was entered. @return nanoseconds from dispatch to entry */
    private static long oneTask(TaskTemplate template, byte[] payload, TaskCounter counter, int length) {
        counter.expect(1, length);
        long start = System.nanoTime();
        template.dispatch(payload);
        long deadline = start + TimeUnit.SECONDS.toNanos(SwooleRun.STALL_SECONDS);
        // the handler stores its entry time after it counted the task: wait for the time itself
        while (counter.firstNanos() == 0) {
            Thread.onSpinWait();
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("a task dispatched one at a time did not reach its handler within "
                        + SwooleRun.STALL_SECONDS + " s");
            }
        }
        return counter.firstNanos() - start;
    }

    /** The C program's one-at-a-time run: same mode (3 for mode 1), payload, consumers, warm-up and count. */
    static LatencyResult c(BenchOptions options, ExternalPrograms programs) throws InterruptedException {
        int mode = (options.mode() == 2) ? 2 : 3;
        List<String> lines = ChildProcess.run("C latency baseline", List.of(programs.cBaseline().toString(),
                "--payload", Integer.toString(options.payload()), "--consumers", Integer.toString(options.workers()),
                "--tasks", Long.toString(options.tasks()), "--mode", Integer.toString(mode), "--latency",
                Long.toString(options.warmup())), SwooleRun.producerTimeout(options.tasks() * 20));
        String errors = ChildProcess.value(lines, "errors");
        if (!errors.equals("0")) {
            throw new IllegalStateException("the C latency baseline reported errors=" + errors + ":\n"
                    + String.join("\n", lines));
        }
        String last = lines.get(lines.size() - 1);
        double[] values = new double[4];
        String[] names = { "p50_us", "p99_us", "p999_us", "max_us" };
        for (String field : last.trim().split("\\s+")) {
            int eq = field.indexOf('=');
            int at = Arrays.asList(names).indexOf(field.substring(0, Math.max(eq, 0)));
            if (at >= 0) {
                values[at] = Double.parseDouble(field.substring(eq + 1));
            }
        }
        return new LatencyResult("C msgq_baseline", Integer.toString(mode), options.tasks(), values[0], values[1],
                values[2], values[3], "msgsnd to msgrcv return, one task at a time"
                        + ((options.mode() == 1) ? "; C has no Unix-socket variant: mode 3 shown" : ""));
    }
}
