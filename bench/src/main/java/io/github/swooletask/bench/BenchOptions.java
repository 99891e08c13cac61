package io.github.swooletask.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The command line of {@link BenchApplication}, parsed and checked.
 *
 * @param mode ipc-mode 1, 2 or 3
 * @param payload payload bytes per task (1 to 65536; 8180 and more are spilled to files)
 * @param workers task worker threads (and C consumers, executor threads)
 * @param tasks timed tasks
 * @param producers dispatching threads
 * @param key System V key of the queue, or null for a private queue (an external producer gets a random key)
 * @param baselineC whether to run the C baseline
 * @param baselineExecutor whether to run the ThreadPoolExecutor baseline
 * @param externalProducer {@code php} or {@code c} to post the tasks from another process, or null
 * @param warmup untimed tasks before the timed ones
 * @param batching {@code swoole.task.batching.enabled} to set, or null for the starter's default
 * @param tmpdir where the run's private directory (spill files, socket) is made, or null for java.io.tmpdir
 * @param backlog with an external producer: post every task before the workers start, then time the drain
 * @param transport {@code local} (System V queue or Unix socket, as the mode says) or {@code redis-streams}
 * @param redisHost with redis-streams: the server to use, or null to start a redis-server of the bench's own
 * @param redisPort the port of {@code redisHost}
 * @param baselineSpringData whether to run the Spring Data Redis StreamMessageListenerContainer baseline
 * @param baselineRaw whether to run the plain Lettuce XADD / XREADGROUP + XACK baseline
 * @param latency whether to send the tasks one at a time and report latencies instead of a rate
 * @param repeat how many times the whole run (with its baselines) is repeated, alternating; 1 for once
 * @param metrics whether the application has a {@code SimpleMeterRegistry}, so the starter's meters and execution
 * timer are recorded as with an actuator
 */
public record BenchOptions(int mode, int payload, int workers, long tasks, int producers, Integer key,
        boolean baselineC, boolean baselineExecutor, String externalProducer, long warmup, Boolean batching,
        Path tmpdir, boolean backlog, String transport, String redisHost, int redisPort, boolean baselineSpringData,
        boolean baselineRaw, boolean latency, int repeat, boolean metrics) {

    /** {@code --transport local}. */
    public static final String LOCAL = "local";

    /** {@code --transport redis-streams}. */
    public static final String REDIS_STREAMS = "redis-streams";

    /**
     * The default warm-up of {@code --latency}: until the JIT has compiled the dispatch and worker paths, about 1 in
     * 1,000 tasks waits milliseconds (measured: p99.9 0.8-1.6 ms after 1,000 tasks, 27 us after 100,000).
     */
    static final long LATENCY_WARMUP = 50_000;

    /** Largest payload accepted: 64 KiB. */
    public static final int MAX_PAYLOAD = 64 * 1024;

    /** Largest payload an external producer or the C baseline sends in one message (no spill). */
    public static final int MAX_INLINE_PAYLOAD = 8179;

    static final String USAGE = """
            usage: java -jar swoole-task-bench.jar [options]
              --mode 1|2|3             ipc-mode: 1 Unix socket, 2 msgqueue directed, 3 msgqueue preemptive (default 3)
              --payload BYTES          payload per task, 1 to 65536; 8180 and more are spilled to files (default 16)
              --workers N              task worker threads (default 2)
              --tasks N                timed tasks (default 1000000)
              --producers N            dispatching threads (default 1)
              --key KEY                System V key, decimal or 0x-hex (default: a private queue)
              --baseline none|c|executor|all   baselines to run in the same invocation (default none); with
                                       --transport redis-streams: none|spring-data|raw|redis-all|executor|all
                                       (all = spring-data, raw and executor)
              --external-producer php|c        post the tasks from another process instead of Java
              --warmup N               untimed tasks first (default 10% of --tasks; with --latency at least 50000)
              --batching on|off        set swoole.task.batching.enabled (default: the starter's default);
                                       off sends one task per message, as the C baseline does
              --metrics on|off         give the application a SimpleMeterRegistry, so the starter's meters and
                                       execution timer record as with an actuator (default off: no registry)
              --tmpdir DIR             parent of the run's private directory, which becomes swoole.task.tmpdir
                                       (spill files) and holds the mode 1 socket (default: java.io.tmpdir)
              --backlog                with --external-producer: queue every task before the workers start, then
                                       time how long they take to drain the backlog (raise kernel.msgmnb first)
              --transport local|redis-streams  swoole.task.transport (default local); redis-streams: tasks are
                                       entries of a Redis stream (mode 2 directed, 3 competing workers)
              --redis HOST:PORT        with redis-streams: use this server (default: start a redis-server of the
                                       bench's own on a free loopback port, stopped at the end)
              --latency N              send N tasks one at a time, each once the previous one reached its handler,
                                       and print p50/p99/p99.9/max latency (dispatch call to handler entry) instead
                                       of a rate; --baseline c runs the C program the same way (local transport;
                                       with redis-streams: no baseline, compare with --batching off)
              --repeat R               run everything (swoole-task and its baselines, alternating) R times and end
                                       with a table of medians, min-max ranges and the median ratios (default 1)
            """;

    /** Parses the arguments; throws {@link IllegalArgumentException} with a message for the user. */
    public static BenchOptions parse(String... args) {
        int mode = 3;
        int payload = 16;
        int workers = 2;
        long tasks = 1_000_000;
        int producers = 1;
        Integer key = null;
        String baseline = "none";
        String external = null;
        Long warmup = null;
        Boolean batching = null;
        boolean metrics = false;
        Path tmpdir = null;
        boolean backlog = false;
        String transport = LOCAL;
        String redis = null;
        Long latency = null;
        int repeat = 1;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--backlog")) {
                backlog = true;
                continue;
            }
            String name = args[i];
            String value;
            int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            else {
                if (name.equals("--help") || name.equals("-h")) {
                    throw new IllegalArgumentException(USAGE);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + name + "\n" + USAGE);
                }
                value = args[++i];
            }
            switch (name) {
                case "--mode" -> mode = (int) number(name, value, 1, 3);
                case "--payload" -> payload = (int) number(name, value, 1, MAX_PAYLOAD);
                case "--workers" -> workers = (int) number(name, value, 1, 1024);
                case "--tasks" -> tasks = number(name, value, 1, Integer.MAX_VALUE);
                case "--producers" -> producers = (int) number(name, value, 1, 1024);
                case "--key" -> key = parseKey(value);
                case "--baseline" -> baseline = value.toLowerCase(Locale.ROOT);
                case "--external-producer" -> external = value.toLowerCase(Locale.ROOT);
                case "--warmup" -> warmup = number(name, value, 0, Integer.MAX_VALUE);
                case "--tmpdir" -> tmpdir = Path.of(value);
                case "--transport" -> transport = value.toLowerCase(Locale.ROOT);
                case "--redis" -> redis = value;
                case "--latency" -> latency = number(name, value, 1, 10_000_000);
                case "--repeat" -> repeat = (int) number(name, value, 1, 1000);
                case "--batching" -> batching = onOff(name, value);
                case "--metrics" -> metrics = onOff(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
            }
        }
        if (!transport.equals(LOCAL) && !transport.equals(REDIS_STREAMS)) {
            throw new IllegalArgumentException("--transport must be local or redis-streams, was " + transport);
        }
        boolean onRedis = transport.equals(REDIS_STREAMS);
        boolean c = false;
        boolean executor = false;
        boolean springData = false;
        boolean raw = false;
        switch (baseline) {
            case "none" -> { }
            case "c" -> c = true;
            case "executor" -> executor = true;
            case "all" -> {
                c = !onRedis;
                executor = true;
                springData = onRedis;
                raw = onRedis;
            }
            case "spring-data" -> springData = true;
            case "raw" -> raw = true;
            case "redis-all" -> {
                springData = true;
                raw = true;
            }
            default -> throw new IllegalArgumentException("--baseline must be none, c, executor, all, spring-data,"
                    + " raw or redis-all, was " + baseline);
        }
        if (onRedis) {
            if (c) {
                throw new IllegalArgumentException("--baseline c measures a System V queue: with --transport"
                        + " redis-streams use spring-data, raw, redis-all, executor or all");
            }
            if (external != null || key != null) {
                throw new IllegalArgumentException("--external-producer and --key are for --transport local");
            }
        }
        else {
            if (springData || raw) {
                throw new IllegalArgumentException("--baseline " + baseline + " needs --transport redis-streams");
            }
            if (redis != null) {
                throw new IllegalArgumentException("--redis needs --transport redis-streams");
            }
        }
        String redisHost = null;
        int redisPort = -1;
        if (redis != null) {
            int colon = redis.lastIndexOf(':');
            if (colon <= 0 || colon == redis.length() - 1) {
                throw new IllegalArgumentException("--redis must be HOST:PORT, was '" + redis + "'");
            }
            redisHost = redis.substring(0, colon);
            redisPort = (int) number("--redis port", redis.substring(colon + 1), 1, 65535);
        }
        if (external != null) {
            if (!external.equals("php") && !external.equals("c")) {
                throw new IllegalArgumentException("--external-producer must be php or c, was " + external);
            }
            if (mode == 1) {
                throw new IllegalArgumentException("--external-producer posts to a System V queue: use --mode 2 or 3");
            }
            if (payload > MAX_INLINE_PAYLOAD) {
                throw new IllegalArgumentException("--external-producer sends whole messages only: --payload must be"
                        + " at most " + MAX_INLINE_PAYLOAD);
            }
        }
        if (tmpdir != null && !Files.isDirectory(tmpdir)) {
            throw new IllegalArgumentException("--tmpdir " + tmpdir + " is not a directory");
        }
        if (backlog && external == null) {
            throw new IllegalArgumentException("--backlog needs --external-producer php|c to fill the queue");
        }
        if (latency != null) {
            if (external != null || backlog) {
                throw new IllegalArgumentException("--latency measures tasks dispatched from Java: leave out"
                        + " --external-producer and --backlog");
            }
            if (executor || springData || raw) {
                throw new IllegalArgumentException("--latency takes --baseline none or c (with --transport"
                        + " redis-streams: none)");
            }
            if (payload > MAX_INLINE_PAYLOAD && c) {
                throw new IllegalArgumentException("--latency --baseline c sends whole messages only: --payload must"
                        + " be at most " + MAX_INLINE_PAYLOAD);
            }
            tasks = latency;
            producers = 1;
        }
        long warm = backlog ? 0 : (warmup != null) ? warmup
                : (latency != null) ? Math.max(tasks / 10, LATENCY_WARMUP) : tasks / 10;
        return new BenchOptions(mode, payload, workers, tasks, producers, key, c, executor, external, warm, batching,
                tmpdir, backlog, transport, redisHost, redisPort, springData, raw, latency != null, repeat, metrics);
    }

    /** Whether tasks travel over Redis Streams. */
    public boolean redisStreams() {
        return REDIS_STREAMS.equals(this.transport);
    }

    /** Whether payloads of this size travel in spill files. */
    public boolean spills() {
        return this.payload >= 8180;
    }

    /** An option that is {@code on} ({@code true}) or {@code off} ({@code false}). */
    private static boolean onOff(String name, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be on or off, was " + value);
        };
    }

    private static long number(String name, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value.replace("_", ""));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " needs a number, was '" + value + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + n);
        }
        return n;
    }

    static Integer parseKey(String text) {
        String t = text.trim();
        long value;
        try {
            value = (t.startsWith("0x") || t.startsWith("0X")) ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("--key must be decimal or 0x-hex, was '" + text + "'");
        }
        if (value == 0 || value < Integer.MIN_VALUE || value > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("--key must be a non-zero 32-bit value, was '" + text + "'");
        }
        return (int) value;
    }
}
