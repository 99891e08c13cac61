package io.github.swooletask.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.MessageQueueException;

/**
 * The swoole-task throughput benchmark: {@code java -jar swoole-task-bench.jar --mode 3 --payload 16 --workers 2
 * --tasks 1000000 [--baseline all] [--external-producer php|c] [--transport redis-streams --baseline redis-all]}.
 * Dispatches through the real starter, optionally runs the C, executor, Spring Data Redis and raw Lettuce baselines
 * in the same invocation, prints a table and, as its last line, {@code tasks_per_s=<integer>} of the swoole-task run.
 * Removes every queue, socket, spill file and Redis key it made and stops the redis-server it started, also when a
 * run fails. Options: {@link BenchOptions#USAGE}.
 */
public final class BenchApplication {

    private BenchApplication() {
    }

    /**
     * Everything one invocation measured; with {@code --repeat}, the medians of every repetition.
     * @param swoole the swoole-task run (null with {@code --latency})
     * @param results every throughput run, swoole-task's first (empty with {@code --latency})
     * @param ratios the ratio lines printed
     * @param latencies with {@code --latency}: swoole-task's, then the C baseline's (else empty)
     */
    public record Report(RunResult swoole, List<RunResult> results, List<String> ratios,
            List<LatencyResult> latencies) {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        }
        catch (IllegalArgumentException ex) {
            System.err.println(ex.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(options, System.out);
        }
        catch (Throwable ex) {
            System.out.flush();
            System.err.println("swoole-task-bench failed: " + ex.getMessage());
            if (!(ex instanceof IllegalStateException)) {
                ex.printStackTrace();
            }
            System.exit(1);
        }
        System.exit(0);
    }

    /** Parses {@code args} and runs; see {@link #run(BenchOptions, PrintStream)}. */
    public static Report run(String[] args, PrintStream out) throws Exception {
        return run(BenchOptions.parse(args), out);
    }

    /**
     * Runs the benchmark and its baselines ({@code --repeat} times) and prints the table, the ratios and, last,
     * {@code tasks_per_s=} (or, with {@code --latency}, {@code p50_us=... max_us=...}); repeated runs end with the
     * medians.
     * @throws IllegalStateException with a message for the user when a run or a needed program fails
     */
    public static Report run(BenchOptions options, PrintStream out) throws Exception {
        if (options.repeat() == 1) {
            return runOnce(options, out, true);
        }
        List<Report> reports = new ArrayList<>();
        for (int i = 1; i <= options.repeat(); i++) {
            out.printf("# repetition %d of %d%n", i, options.repeat());
            reports.add(runOnce(options, out, false));
        }
        return RepeatSummary.print(reports, out);
    }

    private static Report runOnce(BenchOptions options, PrintStream out, boolean lastLine) throws Exception {
        // loads and initializes what the clean-up needs now, not when the jar may have been rebuilt under us
        ChildProcess.destroyAll();
        Path workDir = (options.tmpdir() != null) ? Files.createTempDirectory(options.tmpdir(), "stbench-")
                : Files.createTempDirectory("stbench-");
        Integer key = options.key();
        if (key == null && options.externalProducer() != null) {
            key = freeKey();
        }
        if (key != null && MessageQueue.exists(key)) {
            deleteTree(workDir);
            throw new IllegalStateException(String.format("a queue with key 0x%08x exists already; the bench uses"
                    + " only a queue it creates: choose another --key or remove it (ipcrm -Q 0x%08x)", key, key));
        }
        Integer ownedKey = key;
        // every key of a Redis run starts with this: the run's streams, and what the transport adds to them
        String prefix = String.format("stbench-%d-%06x", ProcessHandle.current().pid(),
                ThreadLocalRandom.current().nextInt(0x1000000));
        AtomicReference<RedisServer> redisRef = new AtomicReference<>();
        Thread cleanup = new Thread(() -> cleanUp(ownedKey, workDir, redisRef, prefix), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            ExternalPrograms programs = new ExternalPrograms(workDir);
            programs.preflight(options);
            RedisServer redis = null;
            if (options.redisStreams()) {
                if (options.redisHost() != null) {
                    redis = RedisServer.external(options.redisHost(), options.redisPort());
                }
                else {
                    RedisServer.requireRedisServer();
                    redis = RedisServer.start(workDir);
                }
                redisRef.set(redis);
            }
            KernelLimits limits = KernelLimits.read();
            out.printf("# swoole-task bench: nproc=%d, os=%s %s, java=%s, kernel.msgmnb=%d, kernel.msgmax=%d%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                    System.getProperty("os.version"), System.getProperty("java.version"), limits.msgmnb(),
                    limits.msgmax());
            out.printf("# %smode=%d payload=%d workers=%d producers=%d tasks=%d warmup=%d batching=%s metrics=%s tmpdir=%s%s%s%n",
                    options.latency() ? "latency, one task at a time: " : "", options.mode(), options.payload(), options.workers(), options.producers(), options.tasks(),
                    options.warmup(), (options.batching() == null) ? "default" : (options.batching() ? "on" : "off"),
                    options.metrics() ? "on" : "off", workDir,
                    (key != null) ? String.format(" key=0x%08x", key) : options.redisStreams() ? "" : " key=private",
                    (options.externalProducer() != null) ? " external-producer=" + options.externalProducer() : "");
            if (redis != null) {
                out.printf("# transport=redis-streams redis=%s streams=%s:{swoole,spring-data,raw}%n",
                        redis.describe(), prefix);
            }
            out.flush();

            if (options.latency()) {
                return latency(options, key, workDir, programs, redis, prefix + ":swoole", out, lastLine);
            }
            List<RunResult> results = new ArrayList<>();
            List<String> ratios = new ArrayList<>();
            RunResult swoole = SwooleRun.run(options, key, workDir, programs, redis, prefix + ":swoole", out);
            results.add(swoole);
            if (swoole.handled() != swoole.dispatched()) {
                throw new IllegalStateException("swoole-task handled " + swoole.handled() + " tasks but "
                        + swoole.dispatched() + " were dispatched");
            }
            if (options.externalProducer() != null && !options.backlog()) {
                removeQueue(key);
                RunResult drain = CBaseline.drain(options, key, programs);
                removeQueue(key);
                results.add(drain);
                ratios.add(String.format("ratio Java workers drain / C consumers drain = %.3f (same %s producer)",
                        swoole.tasksPerSecond() / drain.tasksPerSecond(), options.externalProducer()));
            }
            if (options.baselineC()) {
                if (options.spills()) {
                    out.println("note: C baseline skipped: a payload of " + options.payload() + " B is spilled to a"
                            + " file, the C baseline sends only whole messages (up to 8179 B of payload)");
                }
                else {
                    RunResult c = CBaseline.pair(options, programs);
                    results.add(c);
                    ratios.add(String.format("ratio swoole/C = %.3f (%s)", swoole.tasksPerSecond()
                            / c.tasksPerSecond(), (options.mode() == 1)
                                    ? "Java mode 1 vs C msgqueue mode 3" : "same mode, same queue limits"));
                }
            }
            if (options.baselineSpringData()) {
                RunResult springData = SpringDataBaseline.run(options, redis, prefix + ":spring-data");
                results.add(springData);
                ratios.add(String.format("ratio swoole/spring-data = %.3f (Spring Data Redis"
                        + " StreamMessageListenerContainer, same server)", swoole.tasksPerSecond()
                        / springData.tasksPerSecond()));
            }
            if (options.baselineRaw()) {
                RunResult raw = RawRedisBaseline.run(options, redis, prefix + ":raw");
                results.add(raw);
                ratios.add(String.format("ratio swoole/raw = %.3f (plain Lettuce, one entry per task, same server)",
                        swoole.tasksPerSecond() / raw.tasksPerSecond()));
            }
            if (options.baselineExecutor()) {
                RunResult executor = ExecutorBaseline.run(options);
                results.add(executor);
                ratios.add(String.format("ratio swoole/executor = %.3f", swoole.tasksPerSecond()
                        / executor.tasksPerSecond()));
            }

            out.println(RunResult.HEADER);
            for (RunResult result : results) {
                out.println(result.row());
            }
            for (RunResult result : results) {
                out.println("  " + result.name() + ": " + result.note());
            }
            out.printf("  swoole-task: %d tasks dispatched, %d handled (warm-up of %d included)%n",
                    swoole.dispatched(), swoole.handled(), options.warmup());
            for (String ratio : ratios) {
                out.println(ratio);
            }
            out.println((lastLine ? "" : "# this repetition: ") + "tasks_per_s=" + Math.round(swoole.tasksPerSecond()));
            out.flush();
            return new Report(swoole, List.copyOf(results), List.copyOf(ratios), List.of());
        }
        finally {
            cleanUp(key, workDir, redisRef, prefix);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
            catch (IllegalStateException ex) {
                // the JVM is shutting down and runs it anyway
            }
        }
    }

    private static Report latency(BenchOptions options, Integer key, Path workDir, ExternalPrograms programs,
            RedisServer redis, String stream, PrintStream out, boolean lastLine) throws InterruptedException {
        List<LatencyResult> results = new ArrayList<>();
        List<String> ratios = new ArrayList<>();
        LatencyResult swoole = LatencyRun.swoole(options, key, workDir, redis, stream);
        results.add(swoole);
        if (options.baselineC()) {
            LatencyResult c = LatencyRun.c(options, programs);
            results.add(c);
            ratios.add(RepeatSummary.latencyRatios(swoole, c));
        }
        out.println(LatencyResult.HEADER);
        for (LatencyResult result : results) {
            out.println(result.row());
        }
        for (LatencyResult result : results) {
            out.println("  " + result.name() + ": " + result.note());
        }
        for (String ratio : ratios) {
            out.println(ratio);
        }
        out.println((lastLine ? "" : "# this repetition: ") + swoole.lastLine());
        out.flush();
        return new Report(null, List.of(), List.copyOf(ratios), List.copyOf(results));
    }

    private static void cleanUp(Integer key, Path workDir, AtomicReference<RedisServer> redisRef, String prefix) {
        RedisServer redis = redisRef.getAndSet(null);
        if (redis != null) {
            try {
                redis.deleteKeys(prefix);
            }
            catch (Throwable ex) {
                System.err.println("could not delete the keys " + prefix + "* on Redis at " + redis.host() + ":"
                        + redis.port() + ": " + ex);
            }
            redis.close();
        }
        try {
            ChildProcess.destroyAll();
        }
        catch (Throwable ex) {
            System.err.println("could not stop the child processes: " + ex);
        }
        try {
            if (key != null) {
                removeQueue(key);
            }
        }
        catch (Throwable ex) {
            System.err.printf("could not remove queue 0x%08x: %s (remove it with ipcrm -Q 0x%08x)%n", key, ex, key);
        }
        deleteTree(workDir);
    }

    /** A random key in 0x5157xxxx that no queue uses now. */
    private static int freeKey() {
        for (int i = 0; i < 1000; i++) {
            int key = 0x51570000 | ThreadLocalRandom.current().nextInt(1, 0x10000);
            if (!MessageQueue.exists(key)) {
                return key;
            }
        }
        throw new IllegalStateException("no free System V key in 0x5157xxxx");
    }

    /** Removes the keyed queue if it exists. */
    static void removeQueue(int key) {
        if (!MessageQueue.exists(key)) {
            return;
        }
        try {
            MessageQueue.openExisting(key).remove();
        }
        catch (MessageQueueException ex) {
            if (MessageQueue.exists(key)) {
                System.err.printf("could not remove queue 0x%08x: %s (remove it with ipcrm -Q 0x%08x)%n", key,
                        ex.getMessage(), key);
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        // JDK classes only: this also runs from a shutdown hook, when the jar may have been rebuilt under us
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
        catch (IOException | UncheckedIOException ex) {
            System.err.println("could not delete " + dir + ": " + ex.getMessage());
        }
    }
}
