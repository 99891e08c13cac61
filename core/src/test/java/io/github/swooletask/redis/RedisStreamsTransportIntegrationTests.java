package io.github.swooletask.redis;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.FullQueuePolicy;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.reply.BasicResultEncoder;
import io.github.swooletask.reply.CrossHostReplies;
import io.github.swooletask.reply.ReplyRouter;
import io.github.swooletask.support.RedisServerExtension;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.ResultChannel;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.ReplySink;
import io.github.swooletask.worker.ReservedWorkers;
import io.github.swooletask.worker.TaskProcessor;
import io.github.swooletask.worker.TaskRouting;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Redis Streams transport against a real redis-server: delivery and acknowledgement, malformed entries, claiming
 * from a consumer that died, the delivery limit, a bounded stream, directed delivery, results across instances, and
 * a restart of Redis mid-flow. Each test has a stream of its own.
 */
class RedisStreamsTransportIntegrationTests {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.ephemeral().withAppendOnly();

    @TempDir
    Path tmp;

    private RedisClient client;

    private StatefulRedisConnection<byte[], byte[]> raw;

    private String stream;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void connect() {
        this.client = RedisClient.create(RedisURI.create(redis.uri()));
        this.client.setOptions(ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        this.raw = this.client.connect(ByteArrayCodec.INSTANCE);
        this.stream = "test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = this.closeables.size() - 1; i >= 0; i--) {
            this.closeables.get(i).close();
        }
        try {
            RedisCommands<byte[], byte[]> commands = this.raw.sync();
            for (byte[] key : commands.keys(bytes(this.stream + "*"))) {
                commands.del(key);
            }
        }
        finally {
            this.raw.close();
            this.client.shutdown();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private RedisStreamsSettings settings(int workers) {
        return RedisStreamsSettings.of(this.stream, "test-instance", workers)
            .withLimits(Duration.ofSeconds(1), 1_000_000, 3, 1 << 20).withReads(64, Duration.ofMillis(200));
    }

    private RedisStreamsTransport transport(RedisStreamsSettings settings) {
        RedisStreamsTransport transport = new RedisStreamsTransport(this.client, redis.host() + ":" + redis.port(),
                settings);
        this.closeables.add(transport::close);
        return transport;
    }

    private TaskWorkerPool pool(RedisStreamsTransport transport, int workers, TaskProcessor processor,
            ReplySink replies) {
        TaskWorkerPool pool = new TaskWorkerPool(transport, new SpillFiles(this.tmp, 1 << 24), processor, replies,
                workers, TaskWorkerPool.threadFactory("redis-test-worker-"));
        this.closeables.add(() -> pool.stop(Duration.ofSeconds(5)));
        pool.start();
        return pool;
    }

    private TaskDispatcher dispatcher(RedisStreamsTransport transport, DispatcherSettings settings,
            TaskReplies replies) {
        TaskDispatcher dispatcher = new TaskDispatcher(transport, new FrameEncoder(new SpillFiles(this.tmp, 1 << 24)),
                settings, replies);
        this.closeables.add(dispatcher::close);
        return dispatcher;
    }

    private static OutgoingTask text(String text) {
        return OutgoingTask.of(0, text.getBytes(StandardCharsets.UTF_8));
    }

    private long pending(String key) {
        return this.raw.sync().xpending(bytes(key), bytes("swoole-task")).getCount();
    }

    @Test
    void tasksOfEverySizeArriveOnceAreAcknowledgedAndTrimmed() {
        RedisStreamsTransport transport = transport(settings(2));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        TaskWorkerPool pool = pool(transport, 2, (task) -> {
            String text = new String(task.payloadBytes(), StandardCharsets.UTF_8);
            if (!seen.add(text.substring(0, Math.min(text.length(), 20)))) {
                duplicates.incrementAndGet();
            }
            return null;
        }, ReplySink.NONE);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(2), new TaskReplies());
        for (int i = 0; i < 500; i++) {
            dispatcher.dispatch(text(String.format("task %06d", i)));
        }
        String large = String.format("large %06d", 1) + "x".repeat(100_000);
        dispatcher.dispatch(text(large));
        await("501 tasks handled").atMost(DEADLINE).until(() -> pool.statistics().processedCount() == 501);
        assertThat(seen).hasSize(501);
        assertThat(duplicates.get()).isZero();
        await("every entry acknowledged").atMost(DEADLINE).until(() -> pending(this.stream) == 0);
        await("acknowledged entries trimmed").atMost(DEADLINE)
            .until(() -> this.raw.sync().xlen(bytes(this.stream)) == 0);
        assertThat(transport.status().depth()).isZero();
    }

    @Test
    void withBatchingSmallTasksShareEntriesThoughTheWorkersKeepUpAndArriveOnceInOrder() {
        RedisStreamsTransport transport = transport(settings(1));
        List<Integer> seen = new CopyOnWriteArrayList<>();
        TaskWorkerPool pool = pool(transport, 1, (task) -> {
            seen.add(ByteBuffer.wrap(task.payloadBytes()).order(ByteOrder.BIG_ENDIAN).getInt());
            return null;
        }, ReplySink.NONE);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withBatching(DispatcherSettings.Batching.on(Duration.ofSeconds(600),
                    () -> pool.statistics().receivedCount())), new TaskReplies());
        int tasks = 20_000;
        for (int i = 0; i < tasks; i++) {
            dispatcher.dispatch(OutgoingTask.of(0, ByteBuffer.allocate(4).putInt(i).array()));
        }
        await("every task handled").atMost(DEADLINE).until(() -> seen.size() >= tasks);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            expected.add(i);
        }
        assertThat(seen).as("once each, in the order dispatched (one worker)").isEqualTo(expected);
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(tasks);
        assertThat(pool.statistics().receivedCount()).as("entries read: many tasks to each, without a linger")
            .isLessThan(tasks / 4);
    }

    @Test
    void anEntryHandedToReservedWorkersIsAcknowledgedOnlyAfterItsHandlerReturned() throws Exception {
        RedisStreamsTransport transport = transport(settings(1));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger fast = new AtomicInteger();
        TaskWorkerPool pool = new TaskWorkerPool(transport, new SpillFiles(this.tmp, 1 << 24), (task) -> {
            if (new String(task.payloadBytes(), StandardCharsets.UTF_8).equals("slow")) {
                entered.countDown();
                release.await();
            }
            else {
                fast.incrementAndGet();
            }
            return null;
        }, ReplySink.NONE, 1, TaskWorkerPool.threadFactory("redis-test-worker-"));
        pool.useReservedWorkers(new TaskRouting() {

            @Override
            public List<ReservedWorkers> reservedWorkers() {
                return List.of(new ReservedWorkers("slow", 1, true));
            }

            @Override
            public int reservedFor(DecodedTask task) {
                return new String(task.payloadBytes(), StandardCharsets.UTF_8).equals("slow") ? 0 : SHARED;
            }

            @Override
            public void abandoned(DecodedTask task, String why) {
            }
        });
        this.closeables.add(() -> pool.stop(Duration.ofSeconds(5)));
        pool.start();
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1), new TaskReplies());
        dispatcher.dispatch(text("slow"));
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 10; i++) {
            dispatcher.dispatch(text("fast " + i));
        }
        await("the shared worker goes on with the others").atMost(DEADLINE).until(() -> fast.get() == 10);
        await("theirs acknowledged").atMost(DEADLINE).until(() -> pending(this.stream) == 1);
        release.countDown();
        await("the slow one acknowledged once its handler returned").atMost(DEADLINE)
            .until(() -> pending(this.stream) == 0);
    }

    @Test
    void anEntryWithoutAFrameIsRejectedCountedAndAcknowledged() {
        RedisStreamsTransport transport = transport(settings(1));
        AtomicInteger handled = new AtomicInteger();
        TaskWorkerPool pool = pool(transport, 1, (task) -> handled.incrementAndGet(), ReplySink.NONE);
        this.raw.sync().xadd(bytes(this.stream), Map.of(bytes("payload"), bytes("no frame here")));
        this.raw.sync().xadd(bytes(this.stream), Map.of(bytes("frame"), bytes("short")));
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1), new TaskReplies());
        dispatcher.dispatch(text("after them"));
        await("the valid task handled").atMost(DEADLINE).until(() -> handled.get() == 1);
        assertThat(pool.statistics().rejectedCount(RejectReason.BAD_FRAME)).isEqualTo(1);
        assertThat(pool.statistics().rejectedCount(RejectReason.SHORT_HEADER)).isEqualTo(1);
        await("the rejected entries are acknowledged, not redelivered").atMost(DEADLINE)
            .until(() -> pending(this.stream) == 0);
    }

    @Test
    void entriesOfAConsumerThatDiedAreClaimedByALiveOne() {
        RedisStreamsTransport transport = transport(settings(1));
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1), new TaskReplies());
        dispatcher.dispatch(text("taken by a consumer that dies"));
        // a consumer of another instance takes it and dies without acknowledging
        List<StreamMessage<byte[], byte[]>> taken = this.raw.sync().xreadgroup(
                Consumer.from(bytes("swoole-task"), bytes("dead-instance-0")), XReadArgs.Builder.count(10),
                XReadArgs.StreamOffset.lastConsumed(bytes(this.stream)));
        assertThat(taken).hasSize(1);
        List<Map<String, Object>> deliveries = new ArrayList<>();
        pool(transport, 1, (task) -> {
            deliveries.add(Map.copyOf(task.delivery()));
            return null;
        }, ReplySink.NONE);
        await("the live consumer claims it after claim-after").atMost(DEADLINE).until(() -> deliveries.size() == 1);
        assertThat(deliveries.get(0)).containsEntry(RedisStreamsTransport.DELIVERIES, 2L)
            .containsEntry(RedisStreamsTransport.ENTRY_ID, taken.get(0).getId());
        await().atMost(DEADLINE).until(() -> pending(this.stream) == 0);
    }

    @Test
    void pastTheDeliveryLimitAnEntryGoesToTheDeadLetterStreamWithoutRunning() {
        RedisStreamsTransport transport = transport(settings(1).withLimits(Duration.ofSeconds(1), 1000, 2, 1 << 20));
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1), new TaskReplies());
        dispatcher.dispatch(text("poison"));
        RedisCommands<byte[], byte[]> commands = this.raw.sync();
        List<StreamMessage<byte[], byte[]>> taken = commands.xreadgroup(
                Consumer.from(bytes("swoole-task"), bytes("crashing-0")), XReadArgs.Builder.count(1),
                XReadArgs.StreamOffset.lastConsumed(bytes(this.stream)));
        String id = taken.get(0).getId();
        // two more consumers took it and died: the claim that finds it is its fourth delivery, over the limit of two
        commands.xclaim(bytes(this.stream), Consumer.from(bytes("swoole-task"), bytes("crashing-1")), 0, id);
        commands.xclaim(bytes(this.stream), Consumer.from(bytes("swoole-task"), bytes("crashing-2")), 0, id);
        AtomicInteger ran = new AtomicInteger();
        pool(transport, 1, (task) -> ran.incrementAndGet(), ReplySink.NONE);
        byte[] deadLetters = bytes(this.stream + ":dead-letters");
        await("the entry reaches the dead-letter stream").atMost(DEADLINE)
            .until(() -> this.raw.sync().xlen(deadLetters) == 1);
        StreamMessage<byte[], byte[]> dead = commands.xrange(deadLetters, Range.create("-", "+"))
            .get(0);
        assertThat(new String(RedisKeys.field(dead.getBody(), bytes("reason")), StandardCharsets.UTF_8))
            .contains("delivered 4 times");
        assertThat(RedisKeys.field(dead.getBody(), bytes("frame"))).isNotNull();
        await().atMost(DEADLINE).until(() -> pending(this.stream) == 0);
        assertThat(ran.get()).as("the handler never ran it").isZero();
    }

    @Test
    void aFullStreamMakesADispatchFailByPolicy() {
        RedisStreamsTransport transport = transport(settings(1).withLimits(Duration.ofSeconds(30), 5, 3, 1 << 20));
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.FAIL, Duration.ZERO), new TaskReplies());
        for (int i = 0; i < 5; i++) {
            dispatcher.dispatch(text("fits " + i));
        }
        assertThatThrownBy(() -> dispatcher.dispatch(text("one too many"))).isInstanceOf(QueueFullException.class);
        assertThat(this.raw.sync().xlen(bytes(this.stream))).isEqualTo(5);
        TaskDispatcher blocking = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofMillis(300)), new TaskReplies());
        long start = System.nanoTime();
        assertThatThrownBy(() -> blocking.dispatch(text("waits, then fails"))).isInstanceOf(QueueFullException.class)
            .hasMessageContaining("no room came within 300 ms");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
    }

    @Test
    void aTaskForWorkerNReachesWorkerNOfAnInstance() {
        RedisStreamsTransport transport = transport(settings(2).withDirected(true));
        List<String> seen = new CopyOnWriteArrayList<>();
        pool(transport, 2, (task) -> seen.add(task.workerId() + ":"
                + new String(task.payloadBytes(), StandardCharsets.UTF_8)), ReplySink.NONE);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(2), new TaskReplies());
        for (int i = 0; i < 20; i++) {
            dispatcher.dispatch(text("for 1").to(1));
            dispatcher.dispatch(text("for 0").to(0));
        }
        await().atMost(DEADLINE).until(() -> seen.size() == 40);
        assertThat(seen).filteredOn((s) -> s.endsWith("for 1")).allMatch((s) -> s.startsWith("1:"));
        assertThat(seen).filteredOn((s) -> s.endsWith("for 0")).allMatch((s) -> s.startsWith("0:"));
    }

    @Test
    void aCallRunOnAnotherInstanceGetsItsResultBack() throws Exception {
        RedisStreamsTransport caller = transport(RedisStreamsSettings.of(this.stream, "caller", 1)
            .withReads(64, Duration.ofMillis(200)));
        RedisStreamsTransport worker = transport(RedisStreamsSettings.of(this.stream, "worker", 1)
            .withReads(64, Duration.ofMillis(200)));
        TaskReplies callerReplies = new TaskReplies();
        ResultChannel results = caller.results();
        results.listen((taskId, tag, flags, payload) -> callerReplies.resultArrived(taskId, tag,
                new String(payload, StandardCharsets.UTF_8)));
        TaskReplies workerReplies = new TaskReplies();
        CrossHostReplies crossHost = new CrossHostReplies(worker.results(), new BasicResultEncoder(),
                Throwable::toString);
        pool(worker, 1, (task) -> new String(task.payloadBytes(), StandardCharsets.UTF_8).toUpperCase(),
                new ReplyRouter(workerReplies, ReplySink.NONE, crossHost));
        TaskDispatcher dispatcher = dispatcher(caller, DispatcherSettings.of(1), callerReplies);
        CompletableFuture<Object> result = dispatcher.call(text("across hosts"), DEADLINE);
        assertThat(result.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("ACROSS HOSTS");
    }

    @Test
    void redisRestartedMidFlowLosesNoTaskItAccepted() throws Exception {
        restartMidFlow(DispatcherSettings.of(2));
    }

    @Test
    void redisRestartedMidFlowLosesNoTaskABatchAccepted() throws Exception {
        // group commit: the batches whose XADD failed while Redis was away are kept and added once it is back
        restartMidFlow(DispatcherSettings.of(2).withBatching(DispatcherSettings.Batching.on(Duration.ofMillis(1),
                () -> 0)));
    }

    private void restartMidFlow(DispatcherSettings dispatching) throws Exception {
        RedisStreamsTransport transport = transport(settings(2));
        Set<Integer> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger runs = new AtomicInteger();
        TaskWorkerPool pool = pool(transport, 2, (task) -> {
            runs.incrementAndGet();
            handled.add(ByteBuffer.wrap(task.payloadBytes()).order(ByteOrder.BIG_ENDIAN).getInt());
            return null;
        }, ReplySink.NONE);
        TaskDispatcher dispatcher = dispatcher(transport, dispatching, new TaskReplies());
        Set<Integer> accepted = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                try {
                    dispatcher.dispatch(OutgoingTask.of(0, ByteBuffer.allocate(4).putInt(i).array()));
                    accepted.add(i);
                }
                catch (RuntimeException ex) {
                    // Redis is away: this one was not accepted
                }
                if (i % 50 == 0) {
                    try {
                        Thread.sleep(1);
                    }
                    catch (InterruptedException ex) {
                        return;
                    }
                }
            }
        }, "redis-test-producer");
        producer.start();
        await("a flow of tasks").atMost(DEADLINE).until(() -> handled.size() > 2000);
        redis.restart();
        await("tasks flow again after the restart").atMost(DEADLINE).until(() -> handled.size() > accepted.size() / 2
                && pool.statistics().processedCount() > 4000);
        stop.set(true);
        producer.join(10_000);
        await("every accepted task handled at least once").atMost(DEADLINE)
            .untilAsserted(() -> assertThat(handled).containsAll(accepted));
        System.out.printf("restart test: %d accepted, %d handled, %d runs (%d duplicates)%n", accepted.size(),
                handled.size(), runs.get(), runs.get() - handled.size());
    }
}
