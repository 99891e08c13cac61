package io.github.swooletask.unix;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.FullQueuePolicy;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.TaskName;
import io.github.swooletask.worker.TaskProcessor;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static io.github.swooletask.support.RawFrames.concat;
import static io.github.swooletask.support.RawFrames.frame;
import static io.github.swooletask.support.RawFrames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Mode 1 over a real Unix socket: raw clients, the dispatcher, a PHP client, full buffers, stale sockets. */
class UnixSocketTransportIntegrationTests {

    /** The longest a test waits for the workers. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static final String PHP = System.getenv().getOrDefault("PHP_BINARY", "php");

    @TempDir
    Path tmp;

    private Path socket;

    private Path spillDir;

    private UnixSocketTransport transport;

    private TaskWorkerPool pool;

    private final List<AutoCloseable> resources = new ArrayList<>();

    private final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void paths() throws IOException {
        this.socket = this.tmp.resolve("task.sock");
        this.spillDir = Files.createDirectory(this.tmp.resolve("spill"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (this.pool != null) {
                assertThat(this.pool.stop(Duration.ofSeconds(5)).stuckWorkers()).isZero();
            }
        }
        finally {
            if (this.transport != null) {
                this.transport.close();
            }
            for (AutoCloseable resource : this.resources) {
                try {
                    resource.close();
                }
                catch (Exception ex) {
                    // cleaning up anyway
                }
            }
            for (Thread thread : this.threads) {
                thread.interrupt();
                thread.join(5000);
            }
        }
    }

    // ---- fixtures

    private UnixSocketTransport transport(long bufferBytes) {
        this.transport = new UnixSocketTransport(this.socket, 0600, bufferBytes);
        return this.transport;
    }

    private TaskDispatcher start(long bufferBytes, int workers, boolean startPool, TaskProcessor processor) {
        UnixSocketTransport transport = transport(bufferBytes);
        SpillFiles spill = new SpillFiles(this.spillDir, 1 << 24);
        TaskReplies replies = new TaskReplies();
        this.pool = new TaskWorkerPool(transport, spill, processor, replies, workers,
                TaskWorkerPool.threadFactory("unix-test-worker-"));
        if (startPool) {
            this.pool.start();
        }
        DispatcherSettings settings = DispatcherSettings.of(workers)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(5))
            .withWorkerSelector(this.pool::selectWorker);
        return new TaskDispatcher(transport, new FrameEncoder(spill), settings, replies);
    }

    private SocketChannel client() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        this.resources.add(channel);
        channel.connect(UnixDomainSocketAddress.of(this.socket));
        return channel;
    }

    private Thread thread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        this.threads.add(thread);
        thread.start();
        return thread;
    }

    static void write(SocketChannel channel, byte[] bytes, int from, int to) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, from, to - from);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static void write(SocketChannel channel, byte[] bytes) throws IOException {
        write(channel, bytes, 0, bytes.length);
    }

    static TaskProcessor collectInto(ConcurrentLinkedQueue<String> seen, CountDownLatch done) {
        return (task) -> {
            seen.add(task.taskId() + ":" + StandardCharsets.UTF_8.decode(task.payload()));
            done.countDown();
            return null;
        };
    }

    // ---- tests

    @Test
    void fullSocketFailsAtOnceUnderPolicyFailAndLosesNothingAccepted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Set<Integer> handled = ConcurrentHashMap.newKeySet();
        UnixSocketTransport transport = transport(4096);
        SpillFiles spill = new SpillFiles(this.spillDir, 1 << 24);
        TaskReplies replies = new TaskReplies();
        this.pool = new TaskWorkerPool(transport, spill, (task) -> {
            release.await();
            handled.add(task.payload().getInt(task.payload().position()));
            return null;
        }, replies, 1, TaskWorkerPool.threadFactory("unix-full-worker-"));
        this.pool.start();
        TaskDispatcher dispatcher = new TaskDispatcher(transport, new FrameEncoder(spill),
                DispatcherSettings.of(1).withFullQueuePolicy(FullQueuePolicy.FAIL, Duration.ofSeconds(5)), replies);
        byte[] payload = new byte[1000];
        ByteBuffer ints = ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder());
        int accepted = 0;
        QueueFullException refused = null;
        while (refused == null && accepted < 1_000_000) {
            ints.putInt(0, accepted);
            try {
                dispatcher.dispatch(new OutgoingTask(null, 0, null, payload, -1));
                accepted++;
            }
            catch (QueueFullException ex) {
                refused = ex;
            }
        }
        assertThat(refused).as("the socket buffer filled up").isNotNull();
        assertThat(refused.getMessage()).contains("task queue is full");
        assertThat(dispatcher.statistics().fullCount()).isEqualTo(1);
        release.countDown();
        int expected = accepted;
        await("every accepted task to be handled").atMost(Duration.ofSeconds(30))
            .until(() -> handled.size() >= expected);
        assertThat(handled).hasSize(expected);
        assertThat(this.pool.statistics().processedCount()).isEqualTo(expected);
    }

    @Test
    void framesFromARawClientArriveIntactWhateverTheWriteBoundaries() throws Exception {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(5);
        start(1 << 20, 1, true, collectInto(seen, done));
        SocketChannel client = client();

        write(client, concat(task(1, "one"), task(2, "two")));
        byte[] split = task(3, "three, written in pieces");
        int[] cuts = { 0, 1, 5, 12, 13, 20, split.length };
        for (int i = 0; i + 1 < cuts.length; i++) {
            write(client, split, cuts[i], cuts[i + 1]);
            // lets the reader take each piece alone: this shapes the input, nothing is asserted on time
            Thread.sleep(30);
        }
        byte[] large = new byte[TaskFrame.MAX_INLINE_DATA];
        Arrays.fill(large, (byte) 'L');
        byte[] largeFrame = frame(4, TaskFrame.TYPE_TASK, 0, large);
        byte[] largeThenSmall = concat(largeFrame, task(5, "after-large"));
        write(client, largeThenSmall, 0, 3000);
        // the second part in a later read (input shaping only)
        Thread.sleep(30);
        write(client, largeThenSmall, 3000, largeThenSmall.length);

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("1:one", "2:two", "3:three, written in pieces",
                "4:" + new String(large, StandardCharsets.US_ASCII), "5:after-large");
        assertThat(this.pool.statistics().rejectedCount()).isZero();
    }

    @Test
    void dispatcherTasksFromTwoThreadsArriveExactlyOnceAndCallsReturnResults() throws Exception {
        int perThread = 5000;
        ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(2 * perThread);
        TaskDispatcher dispatcher = start(64 * 1024, 4, true, (task) -> {
            String text = StandardCharsets.UTF_8.decode(task.payload()).toString();
            if (text.startsWith("call:")) {
                return text.substring(5).toUpperCase();
            }
            counts.computeIfAbsent(text, (key) -> new AtomicInteger()).incrementAndGet();
            done.countDown();
            return null;
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            producers.add(thread("producer-" + t, () -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        byte[] text = ("t" + thread + "-" + i).getBytes(StandardCharsets.UTF_8);
                        dispatcher.dispatch(new OutgoingTask(null, 0, null, text, -1));
                    }
                }
                catch (Throwable ex) {
                    failure.set(ex);
                }
            }));
        }
        CompletableFuture<Object> call = dispatcher.call(new OutgoingTask(null, 0, null,
                "call:hello".getBytes(StandardCharsets.UTF_8), -1), Duration.ofSeconds(10));
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("HELLO");
        for (Thread producer : producers) {
            producer.join(30_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(counts).hasSize(2 * perThread).containsKeys("t0-0", "t1-" + (perThread - 1));
        assertThat(counts.values()).allSatisfy((count) -> assertThat(count.get()).isEqualTo(1));
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(2 * perThread + 1);
        // a worker counts a task as processed just after its handler returned (and counted down the latch)
        await("the last task counted").atMost(Duration.ofSeconds(10))
            .untilAsserted(() -> assertThat(this.pool.statistics().processedCount()).isEqualTo(2 * perThread + 1));
    }

    @Test
    void aLargePayloadTravelsThroughASpillFileThatIsDeleted() throws Exception {
        byte[] payload = new byte[100_000];
        new Random(42).nextBytes(payload);
        AtomicReference<byte[]> received = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        TaskDispatcher dispatcher = start(1 << 20, 2, false, (task) -> {
            received.set(task.payloadBytes());
            done.countDown();
            return null;
        });
        dispatcher.dispatch(new OutgoingTask(TaskName.of("big"), 0, null, payload, -1));
        await("the spilled frame is queued").atMost(DEADLINE).until(() -> this.transport.status().depth() == 1);
        assertThat(this.transport.status().bytes()).isEqualTo(TaskFrame.HEADER_SIZE + TaskFrame.SPILL_LENGTH);
        try (var files = Files.list(this.spillDir)) {
            assertThat(files).hasSize(1);
        }

        this.pool.start();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(received.get()).isEqualTo(payload);
        await("the worker finished").atMost(DEADLINE).until(() -> this.pool.statistics().processedCount() == 1);
        try (var files = Files.list(this.spillDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aFullBufferBlocksTheProducerAndLosesNothing() throws Exception {
        int count = 2000;
        byte[] payload = new byte[1000];
        int frameBytes = TaskFrame.HEADER_SIZE + payload.length;
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(count);
        TaskDispatcher dispatcher = start(4096, 1, true, (task) -> {
            assertThat(release.await(60, TimeUnit.SECONDS)).isTrue();
            done.countDown();
            return null;
        });
        AtomicLong maxBytes = new AtomicLong();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch producerDone = new CountDownLatch(1);
        thread("producer", () -> {
            try {
                for (int i = 0; i < count; i++) {
                    dispatcher.dispatch(new OutgoingTask(null, 0, null, payload, -1));
                    sent.incrementAndGet();
                }
            }
            catch (Throwable ex) {
                failure.set(ex);
            }
            finally {
                producerDone.countDown();
            }
        });
        Thread sampler = thread("sampler", () -> {
            while (!Thread.currentThread().isInterrupted() && done.getCount() > 0) {
                maxBytes.accumulateAndGet(this.transport.status().bytes(), Math::max);
                LockSupport.parkNanos(100_000);
            }
        });

        assertThat(producerDone.await(1500, TimeUnit.MILLISECONDS)).as("the producer is still blocked").isFalse();
        assertThat(sent.get()).isLessThan(count);
        QueueStatus status = this.transport.status();
        assertThat(status.bytes()).isPositive().isLessThanOrEqualTo(4096 + frameBytes);
        assertThat(status.capacity()).isEqualTo(4096);

        release.countDown();
        assertThat(producerDone.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failure.get()).isNull();
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        sampler.join(5000);
        assertThat(this.pool.statistics().processedCount()).isEqualTo(count);
        assertThat(maxBytes.get()).isLessThanOrEqualTo(4096 + frameBytes);
    }

    @Test
    void aMalformedFrameIsRejectedAndTheOthersArrive() throws Exception {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(2);
        start(1 << 20, 1, true, collectInto(seen, done));
        SocketChannel client = client();
        write(client, concat(task(1, "before"), frame(2, 9, 0, "bad".getBytes(StandardCharsets.UTF_8)),
                task(3, "after")));

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("1:before", "3:after");
        await("the rejection is counted").atMost(DEADLINE).until(() -> this.pool.statistics().rejectedCount() == 1);
        assertThat(this.pool.statistics().rejectedCount(RejectReason.UNKNOWN_TYPE)).isEqualTo(1);
    }

    @Test
    void aClientClosingMidFrameDoesNotDisturbOtherConnections() throws Exception {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(3);
        start(1 << 20, 2, true, collectInto(seen, done));

        SocketChannel midData = client();
        byte[] cut = task(11, "this frame is cut short");
        write(midData, concat(task(10, "whole"), cut), 0, task(10, "whole").length + cut.length - 5);
        await("the frame before the cut to arrive").atMost(DEADLINE).until(() -> seen.contains("10:whole"));
        midData.close();

        SocketChannel midHeader = client();
        write(midHeader, task(20, "header cut"), 0, 7);
        // the reader gets the bytes before the close (input shaping only)
        Thread.sleep(50);
        midHeader.close();

        SocketChannel next = client();
        write(next, concat(task(30, "next-1"), task(31, "next-2")));

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        await("nothing more to arrive").during(Duration.ofMillis(100)).atMost(DEADLINE)
            .until(() -> seen.size() == 3 && this.pool.statistics().rejectedCount() == 0);
        assertThat(seen).containsExactlyInAnyOrder("10:whole", "30:next-1", "31:next-2");
        assertThat(this.pool.statistics().rejectedCount()).isZero();
        assertThat(this.transport.status().depth()).isZero();
    }

    @Test
    void aStaleSocketIsReplacedAndALiveOneOrAnotherFileIsAnError() throws Exception {
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(this.socket));
        }
        assertThat(this.socket).exists();

        UnixSocketTransport first = transport(4096);
        assertThat(first.status().permissions()).isEqualTo("0600");
        assertThat(Files.getPosixFilePermissions(this.socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(first.status().key()).isEqualTo(this.socket.toString());
        assertThat(first.status().queueId()).isEqualTo(-1);
        assertThat(first.status().mode()).isEqualTo(IpcMode.UNIX_SOCKET);
        write(client(), task(1, "reaches the new socket"));
        await("the frame is queued").atMost(DEADLINE).until(() -> first.status().depth() == 1);

        assertThatThrownBy(() -> new UnixSocketTransport(this.socket, 0600, 4096))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("in use");
        assertThat(first.status().depth()).isEqualTo(1);

        Path regular = this.tmp.resolve("regular.sock");
        Files.writeString(regular, "keep me");
        assertThatThrownBy(() -> new UnixSocketTransport(regular, 0600, 4096))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("regular file");
        assertThat(regular).hasContent("keep me");

        Path orphan = this.tmp.resolve("missing-dir/task.sock");
        assertThatThrownBy(() -> new UnixSocketTransport(orphan, 0600, 4096))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("does not exist");

        Path shared = this.tmp.resolve("shared.sock");
        try (UnixSocketTransport groupShared = new UnixSocketTransport(shared, 0660, 4096)) {
            assertThat(groupShared.status().permissions()).isEqualTo("0660");
        }
        assertThat(shared).doesNotExist();
    }

    @Test
    void tasksWrittenByARealPhpClientReachTheWorkers() throws Exception {
        int count = 200;
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(count);
        start(1 << 20, 2, true, (task) -> {
            String text = StandardCharsets.UTF_8.decode(task.payload()).toString();
            assertThat(task.flags()).isEqualTo(TaskFlags.NONBLOCK);
            seen.add(task.taskId() + ":" + (text.length() > 40 ? text.substring(0, 40) + "...(" + text.length() + ")"
                    : text));
            done.countDown();
            return null;
        });
        Path script = Path.of(getClass().getResource("/unix/send_tasks.php").toURI());
        Process php = new ProcessBuilder(PHP, "-d", "error_reporting=-1", "-d", "display_errors=stderr",
                script.toString(), this.socket.toString(), Integer.toString(count))
            .redirectErrorStream(true)
            .start();
        this.resources.add(php::destroyForcibly);
        assertThat(php.waitFor(60, TimeUnit.SECONDS)).as("php finished").isTrue();
        String output = new String(php.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(php.exitValue()).as("php exit code, output: %s", output).isZero();
        assertThat(output).isEmpty();

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(count).doesNotHaveDuplicates()
            .contains("1:php-task-1", "199:php-task-199",
                    count + ":php-task-" + count + ":" + "x".repeat(40 - 13) + "...(" + (13 + 5000) + ")");
        assertThat(this.pool.statistics().rejectedCount()).isZero();
    }

    @Test
    void closeReleasesBlockedWorkersAndRemovesTheSocket() throws Exception {
        start(4096, 3, true, (task) -> null);
        await("all workers wait").atMost(DEADLINE).until(() -> this.pool.state(0) == WorkerState.RECEIVING
                && this.pool.state(1) == WorkerState.RECEIVING && this.pool.state(2) == WorkerState.RECEIVING);
        SocketChannel client = client();
        write(client, task(1, "accepted"));
        await("the connection is served").atMost(DEADLINE).until(() -> this.pool.statistics().processedCount() == 1);
        await("all workers wait again").atMost(DEADLINE).until(() -> this.pool.state(0) == WorkerState.RECEIVING
                && this.pool.state(1) == WorkerState.RECEIVING && this.pool.state(2) == WorkerState.RECEIVING);

        this.transport.close();
        await("all workers stop").atMost(DEADLINE).until(() -> this.pool.state(0) == WorkerState.STOPPED
                && this.pool.state(1) == WorkerState.STOPPED && this.pool.state(2) == WorkerState.STOPPED);
        assertThat(this.socket).doesNotExist();
        this.transport.close();
        assertThat(client.read(ByteBuffer.allocate(1))).as("the server side is closed").isEqualTo(-1);
        assertThat(this.transport.receiver(0).receive(FrameBuffer.allocate(64))).isEqualTo(-1);
        FrameBuffer buffer = FrameBuffer.allocate(64);
        assertThatThrownBy(() -> this.transport.send(buffer, 12, -1, true)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("closed");
    }

    @Test
    void purgeEmptiesTheQueue() throws Exception {
        TaskDispatcher dispatcher = start(1 << 20, 1, false, (task) -> null);
        for (int i = 0; i < 5; i++) {
            dispatcher.dispatch(new OutgoingTask(null, 0, null, ("queued-" + i).getBytes(StandardCharsets.UTF_8),
                    -1));
        }
        await("five frames are queued").atMost(DEADLINE).until(() -> this.transport.status().depth() == 5);
        assertThat(this.transport.status().bytes()).isEqualTo(5 * (TaskFrame.HEADER_SIZE + 8));

        assertThat(this.transport.purge(DroppedFrames.NONE)).isEqualTo(5);
        assertThat(this.transport.status().depth()).isZero();
        assertThat(this.transport.status().bytes()).isZero();
        assertThat(this.transport.purge(DroppedFrames.NONE)).isZero();
    }

    @Test
    void wakeReleasesOneBlockedReceiveAndLongFramesAreTruncated() throws Exception {
        UnixSocketTransport transport = transport(4096);
        CompletableFuture<byte[]> woken = CompletableFuture.supplyAsync(() -> {
            FrameBuffer buffer = FrameBuffer.allocate(64);
            int length = transport.receiver(1).receive(buffer);
            byte[] bytes = new byte[length];
            buffer.frame().get(0, bytes);
            return bytes;
        });
        await("the receive to stay blocked").during(Duration.ofMillis(50)).atMost(DEADLINE)
            .until(() -> !woken.isDone());
        assertThat(woken).isNotDone();
        transport.wake(1);
        byte[] wake = woken.get(10, TimeUnit.SECONDS);
        assertThat(wake).hasSize(TaskFrame.HEADER_SIZE);
        assertThat(wake[TaskFrame.OFFSET_TYPE] & 0xFF).isEqualTo(TaskFrame.TYPE_WAKE);

        write(client(), frame(7, TaskFrame.TYPE_TASK, 0, new byte[100]));
        FrameBuffer small = FrameBuffer.allocate(16);
        assertThat(transport.receiver(0).receive(small)).isEqualTo(16);
        assertThat(small.frame().getInt(TaskFrame.OFFSET_TASK_ID)).isEqualTo(7);
        assertThat(transport.status().depth()).isZero();
    }

    @Test
    void sendingAllocatesNothingOnTheSteadyPath() {
        UnixSocketTransport transport = transport(1L << 30);
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        int length = FrameEncoder.encodeWake(buffer.frame());
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        int sends = 20_000;
        for (int i = 0; i < sends; i++) {
            assertThat(transport.send(buffer, length, -1, true)).isTrue();
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < sends; i++) {
            transport.send(buffer, length, -1, true);
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertThat(allocated).as("bytes allocated by %d sends", sends).isLessThan(sends * 8L);
        await("every frame is queued").atMost(DEADLINE).until(() -> transport.status().depth() == 2L * sends);
    }
}
