package io.github.swooletask.fuzz;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.php.PhpSerializeException;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.wire.TaskName;
import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.TaskProcessor;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static io.github.swooletask.support.Frames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded fuzzing of the frame decoder: first directly, then through a live worker pool on a private queue. Only a
 * successful decode or a {@link FrameRejectedException} may come out; every valid task arrives; the pool's rejected
 * count is exactly what decoding each message beforehand predicts; workers survive; files outside tmpdir are never
 * touched. Set {@code -Dfuzz.seed=N} to replay another seed.
 */
class DecoderFuzzTest {

    private static final long SEED = Long.getLong("fuzz.seed", 0x5EED_F0221L);

    private static final int DIRECT_MESSAGES = 150_000;

    private static final int LIVE_MESSAGES = 100_000;

    private static final int VALID_EVERY = 100;

    private static final String VALID_ROUTE = "fuzz.valid";

    private static final byte[] CANARY = "canary: must never be read or deleted".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @TempDir
    Path other;

    private MessageGenerator.Targets targets;

    /** Links and special entries inside tmp, with what they must still be afterwards. */
    private final List<Path> fixtures = new ArrayList<>();

    @BeforeEach
    void fixtures() throws Exception {
        List<String> outside = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String name = SpillFiles.PREFIX + "CANARY" + i;
            Files.write(this.other.resolve(name), CANARY);
            outside.add(name);
        }
        Files.write(this.other.resolve("plain.txt"), CANARY);
        outside.add("plain.txt");
        List<String> inside = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path link = Files.createSymbolicLink(this.tmp.resolve(SpillFiles.PREFIX + "LINK" + i),
                    this.other.resolve(outside.get(i)));
            this.fixtures.add(link);
            inside.add(link.getFileName().toString());
        }
        for (int i = 0; i < 2; i++) {
            Path target = Files.write(this.other.resolve("hard" + i), CANARY);
            outside.add(target.getFileName().toString());
            Path link = Files.createLink(this.tmp.resolve(SpillFiles.PREFIX + "HARD" + i), target);
            this.fixtures.add(link);
            inside.add(link.getFileName().toString());
        }
        Path dirLink = Files.createSymbolicLink(this.tmp.resolve(SpillFiles.PREFIX + "DIRLINK"), this.other);
        this.fixtures.add(dirLink);
        inside.add(dirLink.getFileName() + "/" + outside.get(0));
        Path sub = Files.createDirectory(this.tmp.resolve("sub"));
        this.fixtures.add(Files.write(sub.resolve(SpillFiles.PREFIX + "SUB"), CANARY));
        inside.add("sub/" + SpillFiles.PREFIX + "SUB");
        this.fixtures.add(Files.createDirectory(this.tmp.resolve(SpillFiles.PREFIX + "D")));
        inside.add(SpillFiles.PREFIX + "D");
        this.targets = new MessageGenerator.Targets(this.tmp, this.other, inside, outside);
    }

    private void assertNothingOutsideWasTouched() throws Exception {
        try (var files = Files.list(this.other)) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(this.targets.outsideFiles().size());
            for (Path file : all) {
                assertThat(Files.readAllBytes(file)).as("contents of %s", file).containsExactly(CANARY);
            }
        }
        for (Path fixture : this.fixtures) {
            assertThat(Files.exists(fixture, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as("%s still there", fixture)
                .isTrue();
        }
    }

    // ---------------------------------------------------------------- what a worker would do with one message

    /** What one message turns into: tasks run and rejections, as {@code TaskWorker.handle} produces them. */
    static final class Outcome {

        int processed;

        final EnumMap<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);

        int rejections() {
            return this.rejected.values().stream().mapToInt(Integer::intValue).sum();
        }

        void reject(RejectReason reason) {
            this.rejected.merge(reason, 1, Integer::sum);
        }
    }

    /**
     * Decodes a message exactly as a task worker does and runs the test processor's payload check. Anything but a
     * {@link FrameRejectedException} escapes.
     */
    static Outcome classify(FrameDecoder decoder, ByteBuffer text, int length, DecodedTask task) {
        Outcome outcome = new Outcome();
        try {
            decoder.decode(text, length, task);
        }
        catch (FrameRejectedException ex) {
            outcome.reject(ex.reason());
            return outcome;
        }
        if (task.isWake()) {
            return outcome;
        }
        if (!task.isBatch()) {
            runTask(task, length, outcome);
            return outcome;
        }
        int end = TaskFrame.HEADER_SIZE + (text.getShort(TaskFrame.OFFSET_LENGTH) & 0xFFFF);
        check(end == length, "a batch's end " + end + " is its length " + length);
        BatchCursor batch = decoder.batch(text);
        int frames = 0;
        while (batch.hasNext()) {
            // as the worker does: a rejected frame whose length fits the batch is skipped, the rest still run
            check(++frames <= end / TaskFrame.HEADER_SIZE, "progress in a batch");
            try {
                batch.next(task);
            }
            catch (FrameRejectedException ex) {
                outcome.reject(ex.reason());
                continue;
            }
            runTask(task, length, outcome);
        }
        return outcome;
    }

    private static void runTask(DecodedTask task, int length, Outcome outcome) {
        check(task.type() == TaskFrame.TYPE_TASK, "a task of type " + task.type());
        check((task.route() != null) == ((task.flags() & TaskFlags.ROUTED) != 0), "route iff ROUTED");
        check((task.flags() & ~TaskFlags.KNOWN) == 0, "unknown flags accepted");
        ByteBuffer payload = task.payload();
        check((task.flags() & TaskFlags.TMPFILE) != 0 || payload.limit() <= length,
                "an inline payload lies within the message");
        if ((task.flags() & TaskFlags.SERIALIZE) != 0) {
            try {
                PhpUnserializer.read(payload);
            }
            catch (PhpSerializeException ex) {
                outcome.reject(RejectReason.BAD_PAYLOAD);
                return;
            }
        }
        outcome.processed++;
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static String describe(int index, byte[] message) {
        byte[] head = (message.length > 256) ? java.util.Arrays.copyOf(message, 256) : message;
        return "message #" + index + " (seed " + SEED + ", " + message.length + " bytes): "
                + HexFormat.of().formatHex(head) + ((message.length > 256) ? "..." : "");
    }

    // ---------------------------------------------------------------- direct

    @Test
    void theDecoderOnlyEverRejects() throws Exception {
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        FrameDecoder decoder = new FrameDecoder(spill);
        MessageGenerator generator = new MessageGenerator(SEED, this.targets, spill, 8400);
        ByteBuffer workerBuffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
        DecodedTask task = new DecodedTask();
        EnumMap<RejectReason, Integer> reasons = new EnumMap<>(RejectReason.class);
        List<String> failures = new ArrayList<>();
        int processed = 0;
        long t0 = System.nanoTime();
        long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        for (int i = 0; i < DIRECT_MESSAGES; i++) {
            byte[] message = generator.next();
            ByteBuffer text;
            int length;
            if (generator.random().nextBoolean() || message.length > workerBuffer.capacity()) {
                // a buffer exactly as long as the message: any read past its end throws
                text = ByteBuffer.allocate(message.length).order(ByteOrder.nativeOrder()).put(message).clear();
                length = message.length;
            }
            else {
                // the worker's own reused native buffer, stale bytes after the message included
                workerBuffer.put(0, message);
                text = workerBuffer;
                length = message.length;
            }
            try {
                Outcome outcome = classify(decoder, text, length, task);
                processed += outcome.processed;
                outcome.rejected.forEach((reason, n) -> reasons.merge(reason, n, Integer::sum));
            }
            catch (Throwable ex) {
                if (failures.size() < 5) {
                    failures.add(describe(i, message) + "\n  -> " + ex);
                }
                else {
                    failures.add("...");
                }
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long cpuMillis = TimeUnit.NANOSECONDS.toMillis(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0);
        System.out.printf("DecoderFuzzTest direct: %d messages in %d ms (%d ms CPU), %d tasks decoded, rejected %s%n",
                DIRECT_MESSAGES, millis, cpuMillis, processed, reasons);
        assertThat(failures).as("decoding must either succeed or throw FrameRejectedException").isEmpty();
        // the fuzzer must reach every rule, or it tests less than it claims
        assertThat(reasons.keySet()).containsAll(List.of(RejectReason.SHORT_HEADER, RejectReason.LENGTH_MISMATCH,
                RejectReason.UNKNOWN_TYPE, RejectReason.BAD_FLAGS, RejectReason.SPILL_PATH, RejectReason.SPILL_MISSING,
                RejectReason.SPILL_SIZE, RejectReason.OVERSIZE, RejectReason.BAD_FRAME, RejectReason.BAD_PAYLOAD));
        assertThat(processed).isGreaterThan(DIRECT_MESSAGES / 20);
        assertNothingOutsideWasTouched();
    }

    // ---------------------------------------------------------------- live

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

        MessageQueue queue = MessageQueue.createPrivate(0600);
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
            MessageGenerator generator = new MessageGenerator(SEED ^ 0x11FE, this.targets, spill,
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
                    outcome = classify(predictor, scratch, message.length, task);
                }
                catch (Throwable ex) {
                    fail("classifying " + describe(i, message), ex);
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
            io.github.swooletask.interop.LivePool.waitFor(() -> live.statistics().processedCount() + live.statistics().rejectedCount()
                    + live.statistics().failedCount() >= expectedProcessed + expectedRejections
                    && queue.stats().messages() == 0,
                    () -> "processed " + live.statistics().processedCount() + " of " + expectedProcessed + ", rejected "
                            + live.statistics().rejectedCount() + " of " + expectedRejections + ", queue "
                            + queue.stats());
            io.github.swooletask.interop.LivePool.waitFor(() -> live.state(0) == WorkerState.RECEIVING && live.state(1) == WorkerState.RECEIVING,
                    () -> "worker states " + live.state(0) + ", " + live.state(1));
            long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            Map<RejectReason, Long> actualRejected = new EnumMap<>(RejectReason.class);
            for (RejectReason reason : RejectReason.values()) {
                long n = pool.statistics().rejectedCount(reason);
                if (n > 0) {
                    actualRejected.put(reason, n);
                }
            }
            System.out.printf("DecoderFuzzTest live: %d fuzz + %d valid messages sent in %d ms, drained in %d ms;"
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
                try {
                    if (transport != null) {
                        transport.close();
                    }
                }
                finally {
                    queue.remove();
                }
            }
        }
        assertNothingOutsideWasTouched();
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long used = runtime.totalMemory() - runtime.freeMemory();
        System.out.printf("DecoderFuzzTest heap after GC: %d MB%n", used >> 20);
        assertThat(used).as("heap in use after the fuzz run").isLessThan(512L << 20);
    }

    /** A valid task {@code valid-k}: mostly plain, some serialized, some spilled. */
    private static int encodeValid(FrameEncoder encoder, ByteBuffer text, int k) {
        TaskName route = TaskName.of(VALID_ROUTE);
        String body = "valid-" + k;
        if (k % 10 == 3) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            byte[] serialized = ("s:" + bytes.length + ":\"" + body + "\";").getBytes(StandardCharsets.UTF_8);
            return encoder.encode(text, task(null, route, serialized, 0, serialized.length), k, 0, TaskFlags.SERIALIZE | TaskFlags.NONBLOCK);
        }
        if (k % 7 == 5) {
            byte[] bytes = (body + "|" + "p".repeat(9000)).getBytes(StandardCharsets.UTF_8);
            return encoder.encode(text, task(null, route, bytes, 0, bytes.length), k, 0, TaskFlags.NONBLOCK);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return encoder.encode(text, task(null, route, bytes, 0, bytes.length), k, 0, (k % 2 == 0) ? TaskFlags.NONBLOCK : TaskFlags.JSON);
    }

}
