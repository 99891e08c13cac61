package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

import io.github.swooletask.dispatch.FullQueuePolicy;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.unix.UnixSocketTransport;
import io.github.swooletask.wire.WireFormat;

/**
 * Configuration of swoole-task ({@code swoole.task.*}).
 */
@ConfigurationProperties(SwooleTaskProperties.PREFIX)
public class SwooleTaskProperties {

    /** The prefix of every property. */
    public static final String PREFIX = "swoole.task";

    /**
     * How tasks reach the task workers: 1 (unix-socket), 2 (msgqueue: each worker reads its own message type, so a
     * task can be addressed to one worker) or 3 (msgqueue-preemptive: workers compete for every task).
     */
    private IpcMode ipcMode = IpcMode.UNIX_SOCKET;

    /**
     * System V message queue key, decimal or 0x hex, for ipc-mode 2 and 3. Unset: a private queue, removed at
     * shutdown. Set: a persistent queue that survives restarts and that other programs can post to; every
     * application on a host needs its own key.
     */
    private @Nullable String messageQueueKey;

    /**
     * Permission bits, in octal, for the message queue (or the Unix socket) when it is created. 0600 lets only this
     * user post; 0660 adds the group, 0666 everyone on the host.
     */
    private String messageQueuePerms = "0600";

    /**
     * Byte capacity (msg_qbytes) to set on the message queue at startup. Unset: keep the kernel's default
     * (kernel.msgmnb). Raising it above kernel.msgmnb needs CAP_SYS_RESOURCE.
     */
    private @Nullable DataSize messageQueueCapacity;

    /**
     * Message type of task worker 0 in ipc-mode 2 (worker i reads offset + i), and of every task this application
     * dispatches in ipc-mode 3. 2 matches Swoole with one request worker, so the PHP client's msg_send($q, 2, ...)
     * reaches worker 0.
     */
    private long workerMtypeOffset = 2;

    /**
     * The layout of the tasks this application dispatches: swoole-1.7 (the 12-byte header of Swoole 1.7.2 and its
     * PHP client), swoole-4.8 (the 40-byte header of Swoole 4.8 to 6.0, task type 7) or swoole-6.1 (40 bytes, task
     * type 8), so that a Swoole server's PHP task workers on the same key run them. Workers read every layout
     * whatever this says. The 40-byte layouts carry no task names and no batches, and send objects as PHP
     * serialize() data.
     */
    private WireFormat wireFormat = WireFormat.SWOOLE_1_7;

    /**
     * How long a reply to another program (a task posted with a reply address) waits for room in that program's
     * full reply queue before it is dropped and counted.
     */
    private Duration replyTimeout = Duration.ofSeconds(1);

    /** Number of task worker threads. Default: the number of CPUs. */
    private int workerNum = Runtime.getRuntime().availableProcessors();

    /**
     * Directory for payloads too large for one message (8180 bytes or more), and the only directory a spill path in
     * a message may point into.
     */
    private Path tmpdir = Path.of("/tmp");

    /**
     * Uids of producers running as another user whose spill files are read. By default only spill files owned by
     * the application's own (effective) user are; list a producer's uid here once its files are readable for the
     * application.
     */
    private List<Integer> trustedProducerUids = new ArrayList<>();

    /**
     * Unix socket path for ipc-mode 1. Default: swoole-task-<spring.application.name>.sock in tmpdir
     * ('swoole-task-application.sock' when the application has no name).
     */
    private @Nullable Path socketPath;

    /**
     * Where this application keeps its state: the registry of its private queues ('private-queues'), whose
     * leftovers from a run killed with kill -9 are removed at the next start. Must be a directory only this user can
     * write to. Default: $STATE_DIRECTORY under systemd, else ~/.local/state/swoole-task/<spring.application.name>.
     */
    private @Nullable Path stateDirectory;

    /** Bytes of tasks buffered in memory in ipc-mode 1 before producers block. */
    private DataSize socketBufferSize = DataSize.ofMegabytes(1);

    /**
     * Most connections served at a time in ipc-mode 1, each with its reader thread (this application's own senders
     * included); one more is closed at once, with a warning at most every 10 seconds.
     */
    private int socketMaxConnections = UnixSocketTransport.DEFAULT_MAX_CONNECTIONS;

    /** Largest payload accepted, spilled ones included. */
    private DataSize maxPayloadSize = DataSize.ofMegabytes(16);

    /** What a dispatch does when the queue is full: block (up to dispatch-timeout) or fail at once. */
    private FullQueuePolicy fullQueuePolicy = FullQueuePolicy.BLOCK;

    /** How long a dispatch waits for room in a full queue before it throws QueueFullException. */
    private Duration dispatchTimeout = Duration.ofSeconds(10);

    /** Default timeout of TaskTemplate.call(...). */
    private Duration callTimeout = Duration.ofSeconds(30);

    /**
     * Whether a task dispatched inside a Spring-managed transaction is sent only once the transaction committed
     * (and dropped if it rolled back). Needs spring-tx.
     */
    private boolean dispatchAfterCommit;

    /**
     * How long a graceful stop waits for running tasks before it interrupts them and logs their ids. Keep it below
     * spring.lifecycle.timeout-per-shutdown-phase (30s by default).
     */
    private Duration shutdownTimeout = Duration.ofSeconds(20);

    /** Whether the task workers start with the application context. */
    private boolean autoStartup = true;

    /** Delete spill files of this user in tmpdir older than this: payloads whose message was never consumed. */
    private Duration spillMaxAge = Duration.ofHours(24);

    /**
     * Refuse to start when a keyed queue exists with another owner or looser permissions than configured, instead
     * of logging a warning.
     */
    private boolean strictQueueOwner = false;

    private final Batching batching = new Batching();

    private final Health health = new Health();

    private final Retry retry = new Retry();

    private final DeadLetter deadLetter = new DeadLetter();

    /**
     * Where tasks travel: local (a System V queue or a Unix socket on this host, as ipc-mode says) or redis-streams
     * (a Redis stream read by a consumer group, for an application on several hosts; needs
     * spring-boot-starter-data-redis and spring.data.redis.*). With redis-streams, ipc-mode 2 gives directed
     * delivery and any other mode competing workers. in-memory is for tests: a queue in the JVM, from
     * swoole-task-spring-boot-starter-test.
     */
    private Transport transport = Transport.LOCAL;

    private final Redis redis = new Redis();

    public IpcMode getIpcMode() {
        return this.ipcMode;
    }

    public void setIpcMode(IpcMode ipcMode) {
        this.ipcMode = ipcMode;
    }

    public @Nullable String getMessageQueueKey() {
        return this.messageQueueKey;
    }

    public void setMessageQueueKey(@Nullable String messageQueueKey) {
        this.messageQueueKey = messageQueueKey;
    }

    public String getMessageQueuePerms() {
        return this.messageQueuePerms;
    }

    public void setMessageQueuePerms(String messageQueuePerms) {
        this.messageQueuePerms = messageQueuePerms;
    }

    public @Nullable DataSize getMessageQueueCapacity() {
        return this.messageQueueCapacity;
    }

    public void setMessageQueueCapacity(@Nullable DataSize messageQueueCapacity) {
        this.messageQueueCapacity = messageQueueCapacity;
    }

    public long getWorkerMtypeOffset() {
        return this.workerMtypeOffset;
    }

    public void setWorkerMtypeOffset(long workerMtypeOffset) {
        this.workerMtypeOffset = workerMtypeOffset;
    }

    public WireFormat getWireFormat() {
        return this.wireFormat;
    }

    public void setWireFormat(WireFormat wireFormat) {
        this.wireFormat = wireFormat;
    }

    public Duration getReplyTimeout() {
        return this.replyTimeout;
    }

    public void setReplyTimeout(Duration replyTimeout) {
        this.replyTimeout = replyTimeout;
    }

    public int getWorkerNum() {
        return this.workerNum;
    }

    public void setWorkerNum(int workerNum) {
        this.workerNum = workerNum;
    }

    public Path getTmpdir() {
        return this.tmpdir;
    }

    public void setTmpdir(Path tmpdir) {
        this.tmpdir = tmpdir;
    }

    public List<Integer> getTrustedProducerUids() {
        return this.trustedProducerUids;
    }

    public void setTrustedProducerUids(List<Integer> trustedProducerUids) {
        this.trustedProducerUids = trustedProducerUids;
    }

    public @Nullable Path getSocketPath() {
        return this.socketPath;
    }

    public void setSocketPath(@Nullable Path socketPath) {
        this.socketPath = socketPath;
    }

    public @Nullable Path getStateDirectory() {
        return this.stateDirectory;
    }

    public void setStateDirectory(@Nullable Path stateDirectory) {
        this.stateDirectory = stateDirectory;
    }

    public DataSize getSocketBufferSize() {
        return this.socketBufferSize;
    }

    public void setSocketBufferSize(DataSize socketBufferSize) {
        this.socketBufferSize = socketBufferSize;
    }

    public int getSocketMaxConnections() {
        return this.socketMaxConnections;
    }

    public void setSocketMaxConnections(int socketMaxConnections) {
        this.socketMaxConnections = socketMaxConnections;
    }

    public DataSize getMaxPayloadSize() {
        return this.maxPayloadSize;
    }

    public void setMaxPayloadSize(DataSize maxPayloadSize) {
        this.maxPayloadSize = maxPayloadSize;
    }

    public FullQueuePolicy getFullQueuePolicy() {
        return this.fullQueuePolicy;
    }

    public void setFullQueuePolicy(FullQueuePolicy fullQueuePolicy) {
        this.fullQueuePolicy = fullQueuePolicy;
    }

    public Duration getDispatchTimeout() {
        return this.dispatchTimeout;
    }

    public void setDispatchTimeout(Duration dispatchTimeout) {
        this.dispatchTimeout = dispatchTimeout;
    }

    public Duration getCallTimeout() {
        return this.callTimeout;
    }

    public void setCallTimeout(Duration callTimeout) {
        this.callTimeout = callTimeout;
    }

    public boolean isDispatchAfterCommit() {
        return this.dispatchAfterCommit;
    }

    public void setDispatchAfterCommit(boolean dispatchAfterCommit) {
        this.dispatchAfterCommit = dispatchAfterCommit;
    }

    public Duration getShutdownTimeout() {
        return this.shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public boolean isAutoStartup() {
        return this.autoStartup;
    }

    public void setAutoStartup(boolean autoStartup) {
        this.autoStartup = autoStartup;
    }

    public Duration getSpillMaxAge() {
        return this.spillMaxAge;
    }

    public void setSpillMaxAge(Duration spillMaxAge) {
        this.spillMaxAge = spillMaxAge;
    }

    public boolean isStrictQueueOwner() {
        return this.strictQueueOwner;
    }

    public void setStrictQueueOwner(boolean strictQueueOwner) {
        this.strictQueueOwner = strictQueueOwner;
    }

    public Health getHealth() {
        return this.health;
    }

    public Batching getBatching() {
        return this.batching;
    }

    public Retry getRetry() {
        return this.retry;
    }

    public Transport getTransport() {
        return this.transport;
    }

    public void setTransport(Transport transport) {
        this.transport = transport;
    }

    public Redis getRedis() {
        return this.redis;
    }

    public DeadLetter getDeadLetter() {
        return this.deadLetter;
    }

    /** The worker count, checked. */
    public int resolvedWorkerNum() {
        if (this.workerNum < 1) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + ".worker-num", this.workerNum,
                    "swoole.task.worker-num must be at least 1, was " + this.workerNum);
        }
        return this.workerNum;
    }

    /** The queue key as a number, or null for a private queue. */
    public @Nullable Integer resolvedKey() {
        if (this.messageQueueKey == null || this.messageQueueKey.isBlank()) {
            return null;
        }
        String text = this.messageQueueKey.trim();
        long value;
        try {
            value = (text.startsWith("0x") || text.startsWith("0X")) ? Long.parseLong(text.substring(2), 16)
                    : Long.parseLong(text);
        }
        catch (NumberFormatException ex) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + ".message-queue-key", text,
                    "message-queue-key '" + text + "' is not a decimal or 0x-hex number");
        }
        if (value == 0 || value < Integer.MIN_VALUE || value > 0xFFFFFFFFL) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + ".message-queue-key", text,
                    "message-queue-key '" + text + "' must be a non-zero 32-bit value (0 is IPC_PRIVATE: leave the key"
                            + " unset for a private queue)");
        }
        return (int) value;
    }

    /** The permission bits as a number. */
    public int resolvedPerms() {
        String text = this.messageQueuePerms.trim();
        try {
            int perms = Integer.parseInt(text, 8);
            if (perms < 0 || perms > 0777) {
                throw new NumberFormatException();
            }
            return perms;
        }
        catch (NumberFormatException ex) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + ".message-queue-perms", text,
                    "message-queue-perms '" + text + "' is not octal permission bits such as 0600");
        }
    }

    /** The socket path, defaulting to {@code swoole-task-<application name>.sock} in tmpdir. */
    public Path resolvedSocketPath(String applicationName) {
        return (this.socketPath != null) ? this.socketPath : DefaultLocations.socketPath(this.tmpdir, applicationName);
    }

    /** Batching of small tasks dispatched from Java while the queue has a backlog. */
    /** When the health check and the endpoint report a consumer problem. */
    public static class Health {

        /** How long a worker may be on one message (a task, or a batch's tasks) before it counts as stuck. */
        private Duration stuckAfter = Duration.ofMinutes(10);

        /**
         * How long messages may wait while every worker is idle and none is taken before the queue counts as starved
         * (seen across health checks).
         */
        private Duration starvedAfter = Duration.ofMinutes(1);

        public Duration getStuckAfter() {
            return this.stuckAfter;
        }

        public void setStuckAfter(Duration stuckAfter) {
            this.stuckAfter = stuckAfter;
        }

        public Duration getStarvedAfter() {
            return this.starvedAfter;
        }

        public void setStarvedAfter(Duration starvedAfter) {
            this.starvedAfter = starvedAfter;
        }
    }

    public static class Batching {

        /**
         * Whether small tasks dispatched while the queue has a backlog travel several to a message. Only this
         * application's workers read batches: turn it off if another kind of program consumes the queue. Never
         * used with full-queue-policy=fail or auto-startup=false.
         */
        private boolean enabled = true;

        /** Longest time an open batch waits for more tasks before it is sent. */
        private Duration linger = Duration.ofNanos(200_000);

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getLinger() {
            return this.linger;
        }

        public void setLinger(Duration linger) {
            this.linger = linger;
        }
    }

    /** Retry of failed handlers. */
    public static class Retry {

        /** Retries after a handler's first failure; 0 turns retry off. Conversion errors are never retried. */
        private long maxRetries = 2;

        /** Wait before the first retry. */
        private Duration delay = Duration.ofMillis(500);

        /** Growth of the wait per retry. */
        private double multiplier = 2.0;

        /** Longest wait between retries. */
        private Duration maxDelay = Duration.ofSeconds(10);

        /**
         * Random spread of each wait: a wait of d becomes a value between d - jitter and d + jitter (scaled by the
         * multiplier like the delay, never below delay nor above max-delay), so that tasks failing together do not
         * all come back at once. Unset: no jitter.
         */
        private @Nullable Duration jitter;

        /**
         * Exception types (with their subclasses, also as a cause) that are retried; empty: every exception not
         * excluded.
         */
        private List<Class<? extends Throwable>> includes = new ArrayList<>();

        /**
         * Exception types (with their subclasses, also as a cause) that are never retried: the task goes to the
         * recoverer at once. For example java.lang.IllegalArgumentException for input a retry cannot fix.
         */
        private List<Class<? extends Throwable>> excludes = new ArrayList<>();

        public long getMaxRetries() {
            return this.maxRetries;
        }

        public void setMaxRetries(long maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getDelay() {
            return this.delay;
        }

        public void setDelay(Duration delay) {
            this.delay = delay;
        }

        public double getMultiplier() {
            return this.multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMaxDelay() {
            return this.maxDelay;
        }

        public @Nullable Duration getJitter() {
            return this.jitter;
        }

        public void setJitter(@Nullable Duration jitter) {
            this.jitter = jitter;
        }

        public List<Class<? extends Throwable>> getIncludes() {
            return this.includes;
        }

        public void setIncludes(List<Class<? extends Throwable>> includes) {
            this.includes = includes;
        }

        public List<Class<? extends Throwable>> getExcludes() {
            return this.excludes;
        }

        public void setExcludes(List<Class<? extends Throwable>> excludes) {
            this.excludes = excludes;
        }

        public void setMaxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
        }
    }

    /** Where tasks travel. */
    public enum Transport {

        /** A System V message queue or a Unix socket on this host ({@code ipc-mode}). */
        LOCAL,

        /** A Redis stream read by a consumer group, for many hosts. */
        REDIS_STREAMS,

        /** A queue in this JVM, for tests (swoole-task-spring-boot-starter-test). */
        IN_MEMORY
    }

    /** The Redis Streams transport ({@code transport=redis-streams}); the connection is spring.data.redis.*. */
    public static class Redis {

        /** The stream tasks are entries of (each entry's field 'frame' holds the frame bytes). */
        private String stream = "swoole-task";

        /** The consumer group every worker of every instance reads with. */
        private String group = "swoole-task";

        /**
         * This instance's name: its workers are consumers '<instance-id>-<worker>' and its call results arrive on
         * '<stream>:replies:<instance-id>'. Default: host name and process id. Set it (e.g. to the pod name) to keep
         * a name across restarts, so a restarted instance takes up its own pending entries at once.
         */
        private @Nullable String instanceId;

        /** How long an entry stays pending with a consumer (one that died, say) before live consumers claim it. */
        private Duration claimAfter = Duration.ofSeconds(30);

        /**
         * Most entries the streams may hold, delivered but unacknowledged ones included; past it a dispatch follows
         * full-queue-policy. Acknowledged entries are trimmed.
         */
        private long maxLength = 1_000_000;

        /**
         * How many times an entry is delivered (the first time included) before it goes to the dead-letter stream
         * instead: consumers that died while handling it do not make it run forever.
         */
        private long maxDeliveries = 3;

        /** Where entries that could not be handled go, with the reason. Default: '<stream>:dead-letters'. */
        private @Nullable String deadLetterStream;

        /** Most entries one read of a worker takes. */
        private int readCount = 64;

        /** How long one blocking read waits; a pause or stop takes effect within it. */
        private Duration blockTimeout = Duration.ofMillis(500);

        public String getStream() {
            return this.stream;
        }

        public void setStream(String stream) {
            this.stream = stream;
        }

        public String getGroup() {
            return this.group;
        }

        public void setGroup(String group) {
            this.group = group;
        }

        public @Nullable String getInstanceId() {
            return this.instanceId;
        }

        public void setInstanceId(@Nullable String instanceId) {
            this.instanceId = instanceId;
        }

        public Duration getClaimAfter() {
            return this.claimAfter;
        }

        public void setClaimAfter(Duration claimAfter) {
            this.claimAfter = claimAfter;
        }

        public long getMaxLength() {
            return this.maxLength;
        }

        public void setMaxLength(long maxLength) {
            this.maxLength = maxLength;
        }

        public long getMaxDeliveries() {
            return this.maxDeliveries;
        }

        public void setMaxDeliveries(long maxDeliveries) {
            this.maxDeliveries = maxDeliveries;
        }

        public @Nullable String getDeadLetterStream() {
            return this.deadLetterStream;
        }

        public void setDeadLetterStream(@Nullable String deadLetterStream) {
            this.deadLetterStream = deadLetterStream;
        }

        public int getReadCount() {
            return this.readCount;
        }

        public void setReadCount(int readCount) {
            this.readCount = readCount;
        }

        public Duration getBlockTimeout() {
            return this.blockTimeout;
        }

        public void setBlockTimeout(Duration blockTimeout) {
            this.blockTimeout = blockTimeout;
        }
    }

    /** Where tasks whose handler failed every attempt are kept. */
    public static class DeadLetter {

        /** Whether failed tasks are kept as files (otherwise they are only logged). */
        private boolean enabled = true;

        /**
         * Directory for failed tasks, one file each with the reason and the raw payload. Default:
         * $STATE_DIRECTORY/dead-letters under systemd, else
         * ~/.local/state/swoole-task/<spring.application.name>/dead-letters.
         */
        private @Nullable Path directory;

        /** Most dead-letter files the directory may hold; past it failed tasks are logged, not kept. */
        private int maxFiles = 10_000;

        /** Most bytes the dead-letter files may hold together; past it failed tasks are logged, not kept. */
        private DataSize maxSize = DataSize.ofGigabytes(1);

        public int getMaxFiles() {
            return this.maxFiles;
        }

        public void setMaxFiles(int maxFiles) {
            this.maxFiles = maxFiles;
        }

        public DataSize getMaxSize() {
            return this.maxSize;
        }

        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable Path getDirectory() {
            return this.directory;
        }

        public void setDirectory(@Nullable Path directory) {
            this.directory = directory;
        }
    }
}
