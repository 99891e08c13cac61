package io.github.swooletask.fuzz;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.php.PhpSerializeException;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.TaskName;
import io.github.swooletask.worker.TaskProcessor;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static io.github.swooletask.support.Frames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Seeded fuzzing through a live worker pool on a private queue: every valid task arrives, the pool's rejected count
 * is exactly what decoding each message beforehand predicts, workers survive, and files outside tmpdir are never
 * touched. Set {@code -Dfuzz.seed=N} to replay another seed.
 */
class DecoderFuzzIntegrationTests {

    private static final int LIVE_MESSAGES = 100_000;

    private static final int VALID_EVERY = 100;

    private static final String VALID_ROUTE = "fuzz.valid";

    /** The longest the pool may take to drain the queue. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.privateQueue();

    @TempDir
    Path tmp;

    @TempDir
    Path other;

    private SpillTargets targets;

    @BeforeEach
    void fixtures() throws Exception {
        this.targets = SpillTargets.create(this.tmp, this.other);
    }

    @Test
    void aLivePoolRejectsExactlyTheInvalidMessagesAndKeepsEveryValidTask() throws Exception {
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        int validCount = LIVE_MESSAGES / VALID_EVERY;
        AtomicIntegerArray validSeen = new AtomicIntegerArray(validCount);
        LongAdder otherTasks = new LongAdder();
        LongAdder unexpected = new LongAdder();
        TaskProcessor processor = (task) -> {
            Object value = null;
            if ((task.flags() & TaskFlags.SERIALIZE) != 0) {
                try {
                    value = PhpUnserializer.read(task.payload());
                }
                catch (PhpSerializeException ex) {
                    throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, ex.getMessage(), ex);
                }
                catch (RuntimeException ex) {
                    unexpected.increment();
                    throw ex;
                }
            }
            if (VALID_ROUTE.equals(task.route())) {
                String text = (value instanceof String s) ? s
                        : StandardCharsets.UTF_8.decode(task.payload()).toString();
                int bar = text.indexOf('|');
                int seq = Integer.parseInt(text.substring("valid-".length(), (bar < 0) ? text.length() : bar));
                validSeen.incrementAndGet(seq);
            }
            else {
                otherTasks.increment();
            }
            return null;
        };

        MessageQueue queue = this.queues.queue();
        SysVTransport transport = null;
        TaskWorkerPool pool = null;
        long t0 = System.nanoTime();
        try {
            transport = new SysVTransport(queue, IpcMode.MSGQUEUE_PREEMPTIVE, 2);
            pool = new TaskWorkerPool(transport, spill, processor, new TaskReplies(), 2,
                    TaskWorkerPool.threadFactory("fuzz-worker-"));
            pool.start();

            FrameDecoder predictor = new FrameDecoder(spill);
            FrameEncoder encoder = new FrameEncoder(spill);
            MessageGenerator generator = new MessageGenerator(Outcome.SEED ^ 0x11FE, this.targets.targets(), spill,
                    TaskFrame.MAX_MESSAGE_SIZE);
            FrameBuffer out = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
            ByteBuffer scratch = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
            DecodedTask task = new DecodedTask();
            EnumMap<RejectReason, Long> expectedRejected = new EnumMap<>(RejectReason.class);
            long expectedOther = 0;
            long invalidMessages = 0;
            int valid = 0;
            for (int i = 0; i < LIVE_MESSAGES; i++) {
                if (i % VALID_EVERY == 0) {
                    int length = encodeValid(encoder, out.frame(), valid++);
                    assertThat(queue.send(out, 1 + generator.random().nextInt(1000), length, true)).isTrue();
                }
                byte[] message = generator.next();
                scratch.put(0, message);
                Outcome outcome;
                try {
                    outcome = Outcome.classify(predictor, scratch, message.length, task);
                }
                catch (Throwable ex) {
                    fail("classifying " + Outcome.describe(i, message), ex);
                    return;
                }
                // decoding above consumed any real spill file it read: put it back for the worker
                for (Object[] made : generator.madeFiles) {
                    Path file = (Path) made[0];
                    if (!Files.exists(file)) {
                        MessageGenerator.writeQuietly(file, (byte[]) made[1]);
                    }
                }
                expectedOther += outcome.processed;
                if (outcome.rejections() > 0) {
                    invalidMessages++;
                }
                outcome.rejected.forEach((reason, n) -> expectedRejected.merge(reason, (long) n, Long::sum));
                out.frame().put(0, message);
                assertThat(queue.send(out, 1 + generator.random().nextInt(1 << 20), message.length, true)).isTrue();
            }
            long sentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            long expectedRejections = expectedRejected.values().stream().mapToLong(Long::longValue).sum();
            long expectedProcessed = valid + expectedOther;
            TaskWorkerPool live = pool;
            await("the pool to take every message").atMost(DEADLINE)
                .untilAsserted(() -> assertThat(live.statistics().processedCount() + live.statistics().rejectedCount()
                        + live.statistics().failedCount() >= expectedProcessed + expectedRejections
                        && queue.stats().messages() == 0)
                    .as(() -> "processed " + live.statistics().processedCount() + " of " + expectedProcessed
                            + ", rejected " + live.statistics().rejectedCount() + " of " + expectedRejections
                            + ", queue " + queue.stats())
                    .isTrue());
            await("both workers to wait in a receive").atMost(DEADLINE)
                .untilAsserted(() -> assertThat(List.of(live.state(0), live.state(1))).as("worker states")
                    .containsOnly(WorkerState.RECEIVING));
            long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            Map<RejectReason, Long> actualRejected = new EnumMap<>(RejectReason.class);
            for (RejectReason reason : RejectReason.values()) {
                long n = pool.statistics().rejectedCount(reason);
                if (n > 0) {
                    actualRejected.put(reason, n);
                }
            }
            System.out.printf("DecoderFuzzIntegrationTests: %d fuzz + %d valid messages sent in %d ms, drained in %d ms;"
                    + " %d invalid messages, rejections %s, %d other tasks decoded%n", LIVE_MESSAGES, valid,
                    sentMillis, totalMillis, invalidMessages, actualRejected, expectedOther);

            assertThat(unexpected.sum()).as("unexpected exceptions from PhpUnserializer").isZero();
            assertThat(pool.statistics().failedCount()).as("failed tasks").isZero();
            assertThat(actualRejected).as("rejections by reason").isEqualTo(expectedRejected);
            assertThat(pool.statistics().rejectedCount()).isEqualTo(expectedRejections);
            assertThat(expectedRejections).as("each invalid message is rejected once, a batch once per bad task")
                .isGreaterThanOrEqualTo(invalidMessages);
            assertThat(invalidMessages).isGreaterThan(LIVE_MESSAGES / 2);
            assertThat(pool.statistics().processedCount()).isEqualTo(expectedProcessed);
            assertThat(otherTasks.sum()).isEqualTo(expectedOther);
            for (int k = 0; k < valid; k++) {
                assertThat(validSeen.get(k)).as("valid task %d arrivals", k).isEqualTo(1);
            }
            assertThat(pool.deadCount()).isZero();
            assertThat(pool.state(0)).isEqualTo(WorkerState.RECEIVING);
            assertThat(pool.state(1)).isEqualTo(WorkerState.RECEIVING);
            assertThat(queue.stats().messages()).isZero();
        }
        finally {
            try {
                if (pool != null) {
                    assertThat(pool.stop(Duration.ofSeconds(10)).stuckWorkers()).isZero();
                }
            }
            finally {
                if (transport != null) {
                    transport.close();
                }
            }
        }
        this.targets.assertNothingOutsideWasTouched();
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long used = runtime.totalMemory() - runtime.freeMemory();
        System.out.printf("DecoderFuzzIntegrationTests heap after GC: %d MB%n", used >> 20);
        assertThat(used).as("heap in use after the fuzz run").isLessThan(512L << 20);
    }

    /** A valid task {@code valid-k}: mostly plain, some serialized, some spilled. */
    private static int encodeValid(FrameEncoder encoder, ByteBuffer text, int k) {
        TaskName route = TaskName.of(VALID_ROUTE);
        String body = "valid-" + k;
        if (k % 10 == 3) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            byte[] serialized = ("s:" + bytes.length + ":\"" + body + "\";").getBytes(StandardCharsets.UTF_8);
            return encoder.encode(text, task(null, route, serialized, 0, serialized.length), k, 0,
                    TaskFlags.SERIALIZE | TaskFlags.NONBLOCK);
        }
        if (k % 7 == 5) {
            byte[] bytes = (body + "|" + "p".repeat(9000)).getBytes(StandardCharsets.UTF_8);
            return encoder.encode(text, task(null, route, bytes, 0, bytes.length), k, 0, TaskFlags.NONBLOCK);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return encoder.encode(text, task(null, route, bytes, 0, bytes.length), k, 0,
                (k % 2 == 0) ? TaskFlags.NONBLOCK : TaskFlags.JSON);
    }

}
