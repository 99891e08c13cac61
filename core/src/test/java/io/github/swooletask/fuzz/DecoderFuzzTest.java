package io.github.swooletask.fuzz;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.php.PhpCollisions;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded fuzzing of the frame decoder, directly: only a successful decode or a {@link FrameRejectedException} may
 * come out, every rule is reached, and files outside tmpdir are never touched. Set {@code -Dfuzz.seed=N} to replay
 * another seed; {@link DecoderFuzzIntegrationTests} sends the same kind of messages to a live worker pool.
 */
class DecoderFuzzTest {

    private static final int DIRECT_MESSAGES = 150_000;

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
    void theDecoderOnlyEverRejects() throws Exception {
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        FrameDecoder decoder = new FrameDecoder(spill);
        MessageGenerator generator = new MessageGenerator(Outcome.SEED, this.targets.targets(), spill, 8400);
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
                Outcome outcome = Outcome.classify(decoder, text, length, task);
                processed += outcome.processed;
                outcome.rejected.forEach((reason, n) -> reasons.merge(reason, n, Integer::sum));
            }
            catch (Throwable ex) {
                if (failures.size() < 5) {
                    failures.add(Outcome.describe(i, message) + "\n  -> " + ex);
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
        this.targets.assertNothingOutsideWasTouched();
    }

    @Test
    void hostilePhpArraysInSpillFilesAreDecodedInProportionToTheirSizeOrRefused() throws Exception {
        SpillFiles spill = new SpillFiles(this.tmp, 16 << 20);
        FrameDecoder decoder = new FrameDecoder(spill);
        FrameEncoder encoder = new FrameEncoder(spill);
        ByteBuffer frame = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
        DecodedTask task = new DecodedTask();
        // 200,000 keys of one Java hash code, Long and String mixed: 6.5 MB that once held a worker for minutes
        int length = encoder.encode(frame, OutgoingTask.of(TaskFlags.SERIALIZE, PhpCollisions.mixedCollisions(200_000)),
                1, 0, 0);
        Outcome collisions = Outcome.classify(decoder, frame, length, task);
        assertThat(collisions.processed).isEqualTo(1);
        assertThat(collisions.rejections()).isZero();
        // a million entries, 11 MB: refused at its header as bad-payload instead of filling the heap
        length = encoder.encode(frame, OutgoingTask.of(TaskFlags.SERIALIZE, PhpCollisions.largeMap(1_000_000)), 2, 0, 0);
        Outcome large = Outcome.classify(decoder, frame, length, task);
        assertThat(large.processed).isZero();
        assertThat(large.rejected).containsOnlyKeys(RejectReason.BAD_PAYLOAD);
        this.targets.assertNothingOutsideWasTouched();
    }
}
