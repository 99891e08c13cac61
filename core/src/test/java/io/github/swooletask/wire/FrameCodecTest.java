package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.transport.FrameBuffer;

import static io.github.swooletask.support.Frames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The task frame codec, byte for byte: header layout, routed frames, the spill threshold and spill body, flags,
 * batches and the flag combinations a decoder must refuse.
 */
class FrameCodecTest {

    @TempDir
    Path tmp;

    private SpillFiles spill;

    private FrameEncoder encoder;

    private FrameDecoder decoder;

    /** Native-order text buffer, as a worker and a dispatcher use. */
    private ByteBuffer text;

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "the byte-exact expectations are written for a little-endian host (x86_64, aarch64)");
    }

    @BeforeEach
    void setUp() {
        this.spill = new SpillFiles(this.tmp, 1 << 20);
        this.encoder = new FrameEncoder(this.spill);
        this.decoder = new FrameDecoder(this.spill);
        this.text = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
    }

    private byte[] sent(int length) {
        byte[] bytes = new byte[length];
        this.text.get(0, bytes);
        return bytes;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] part : parts) {
            n += part.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static byte[] pattern(int n, int seed) {
        byte[] out = new byte[n];
        new Random(seed).nextBytes(out);
        return out;
    }

    private DecodedTask decode(int length) throws FrameRejectedException {
        DecodedTask task = new DecodedTask();
        this.decoder.decode(this.text, length, task);
        return task;
    }

    private List<Path> spillFiles() throws Exception {
        try (Stream<Path> files = Files.list(this.tmp)) {
            return files.toList();
        }
    }

    // ---------------------------------------------------------------- exact bytes

    @Test
    void headerFieldsSitAtTheirOffsetsLittleEndian() throws Exception {
        int length = this.encoder.encode(this.text, task(null, null, "hi".getBytes(StandardCharsets.US_ASCII), 0, 2),
                0x01020304, 0x0506, TaskFlags.NONBLOCK);
        assertThat(length).isEqualTo(14);
        assertThat(sent(length)).containsExactly(
                0x04, 0x03, 0x02, 0x01, // task id at 0
                0x02, 0x00, // length at 4
                0x06, 0x05, // from id at 6
                0x07, // type at 8
                0x00, // reserved at 9
                0x04, 0x00, // flags at 10
                'h', 'i');
        assertThat(TaskFrame.OFFSET_TASK_ID).isZero();
        assertThat(TaskFrame.OFFSET_LENGTH).isEqualTo(4);
        assertThat(TaskFrame.OFFSET_FROM_ID).isEqualTo(6);
        assertThat(TaskFrame.OFFSET_TYPE).isEqualTo(8);
        assertThat(TaskFrame.OFFSET_RESERVED).isEqualTo(9);
        assertThat(TaskFrame.OFFSET_FLAGS).isEqualTo(10);
    }

    @Test
    void negativeIdsAreWrittenAndReadSigned() throws Exception {
        int length = this.encoder.encode(this.text, task(null, null, new byte[0], 0, 0), -2, -3, 0);
        assertThat(sent(length)).containsExactly(bytes(0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 0xFD, 0xFF, 7, 0, 0, 0));
        DecodedTask task = decode(length);
        assertThat(task.taskId()).isEqualTo(-2);
        assertThat(task.fromId()).isEqualTo(-3);
        assertThat(task.payloadLength()).isZero();
        assertThat(task.route()).isNull();
    }

    @Test
    void routedFrameCarriesNameLengthNameThenPayload() throws Exception {
        TaskName route = TaskName.of("mail");
        byte[] payload = "xyz".getBytes(StandardCharsets.US_ASCII);
        int length = this.encoder.encode(this.text, task(null, route, payload, 0, payload.length), 9, 0, 0);
        assertThat(length).isEqualTo(12 + 1 + 4 + 3);
        assertThat(sent(length)).containsExactly(concat(
                bytes(9, 0, 0, 0, 8, 0, 0, 0, 7, 0, 0x00, 0x02),
                bytes(4), "mail".getBytes(StandardCharsets.US_ASCII), payload));
        DecodedTask task = decode(length);
        assertThat(task.flags()).isEqualTo(TaskFlags.ROUTED);
        assertThat(task.route()).isEqualTo("mail");
        assertThat(task.payloadBytes()).containsExactly(payload);
    }

    @Test
    void utf8RouteNamesRoundTrip() throws Exception {
        TaskName route = TaskName.of("größe.über");
        int length = this.encoder.encode(this.text, task(null, route, new byte[] { 42 }, 0, 1), 1, 0, 0);
        assertThat(this.text.get(12) & 0xFF).isEqualTo(route.byteLength()).isEqualTo(13);
        DecodedTask task = decode(length);
        assertThat(task.route()).isEqualTo("größe.über");
        assertThat(task.payloadBytes()).containsExactly(42);
    }

    @Test
    void replyAndJsonFlagsAreKeptExactly() throws Exception {
        byte[] payload = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        int length = this.encoder.encode(this.text, task(null, null, payload, 0, payload.length), 5, 77,
                TaskFlags.JSON | TaskFlags.REPLY);
        assertThat(sent(length)).startsWith(bytes(5, 0, 0, 0, payload.length, 0, 77, 0, 7, 0, 0x00, 0x09));
        DecodedTask task = decode(length);
        assertThat(task.flags()).isEqualTo(0x0900);
        assertThat(task.fromId()).isEqualTo(77);
        assertThat(new String(task.payloadBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");

        length = this.encoder.encode(this.text, task(null, TaskName.of("r"), payload, 0, payload.length), 6, 0,
                TaskFlags.SERIALIZE | TaskFlags.NONBLOCK);
        assertThat(this.text.getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF).isEqualTo(0x0206);
        assertThat(decode(length).flags()).isEqualTo(0x0206);
    }

    @Test
    void payloadSliceIsEncodedFromItsOffset() throws Exception {
        byte[] payload = "0123456789".getBytes(StandardCharsets.US_ASCII);
        int length = this.encoder.encode(this.text, task(null, null, payload, 3, 4), 1, 0, 0);
        assertThat(this.text.getShort(TaskFrame.OFFSET_LENGTH)).isEqualTo((short) 4);
        assertThat(new String(decode(length).payloadBytes(), StandardCharsets.US_ASCII)).isEqualTo("3456");
    }

    // ---------------------------------------------------------------- spill threshold and body

    @Test
    void dataOf8179BytesTravelsInline() throws Exception {
        byte[] payload = pattern(8179, 1);
        int length = this.encoder.encode(this.text, task(null, null, payload, 0, payload.length), 1, 0, 0);
        assertThat(length).isEqualTo(8191);
        assertThat(this.text.getShort(TaskFrame.OFFSET_LENGTH) & 0xFFFF).isEqualTo(8179);
        assertThat(this.text.getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.TMPFILE).isZero();
        assertThat(spillFiles()).isEmpty();
        assertThat(decode(length).payloadBytes()).containsExactly(payload);
    }

    @Test
    void dataOf8180BytesIsSpilledWithTheSwooleBody() throws Exception {
        byte[] payload = pattern(8180, 2);
        int length = this.encoder.encode(this.text, task(null, null, payload, 0, payload.length), 3, 0,
                TaskFlags.NONBLOCK);
        assertThat(length).isEqualTo(12 + 152);
        byte[] message = sent(length);
        assertThat(Arrays.copyOfRange(message, 0, 12))
            .containsExactly(bytes(3, 0, 0, 0, 152, 0, 0, 0, 7, 0, 0x05, 0x00));
        assertThat(this.text.getInt(12)).isEqualTo(8180);
        List<Path> files = spillFiles();
        assertThat(files).hasSize(1);
        Path file = files.get(0);
        assertThat(file.getFileName().toString()).startsWith("swoole.task");
        byte[] path = file.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(Arrays.copyOfRange(message, 16, 16 + path.length)).containsExactly(path);
        assertThat(Arrays.copyOfRange(message, 16 + path.length, 164)).as("NUL padding up to 152 bytes of body")
            .hasSize(152 - 4 - path.length)
            .containsOnly(0);
        assertThat(Files.readAllBytes(file)).containsExactly(payload);
        assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString)
            .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

        DecodedTask task = decode(length);
        assertThat(task.flags()).isEqualTo(TaskFlags.TMPFILE | TaskFlags.NONBLOCK);
        assertThat(task.payloadBytes()).containsExactly(payload);
        assertThat(file).doesNotExist();
    }

    @Test
    void theRouteCountsTowardsTheSpillThreshold() throws Exception {
        TaskName route = TaskName.of("ab");
        byte[] small = pattern(8176, 3);
        int length = this.encoder.encode(this.text, task(null, route, small, 0, small.length), 1, 0, 0);
        assertThat(length).isEqualTo(12 + 8179);
        assertThat(this.text.getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF).isEqualTo(TaskFlags.ROUTED);
        DecodedTask task = decode(length);
        assertThat(task.route()).isEqualTo("ab");
        assertThat(task.payloadBytes()).containsExactly(small);

        byte[] big = pattern(8177, 4);
        length = this.encoder.encode(this.text, task(null, route, big, 0, big.length), 2, 0,
                TaskFlags.JSON | TaskFlags.REPLY);
        assertThat(length).isEqualTo(164);
        assertThat(this.text.getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF).isEqualTo(0x0B01);
        assertThat(this.text.getShort(TaskFrame.OFFSET_LENGTH) & 0xFFFF).isEqualTo(152);
        assertThat(this.text.getInt(12)).isEqualTo(8180);
        Path file = spillFiles().get(0);
        assertThat(Files.readAllBytes(file)).containsExactly(concat(bytes(2), "ab".getBytes(), big));
        task = decode(length);
        assertThat(task.flags()).isEqualTo(0x0B01);
        assertThat(task.route()).isEqualTo("ab");
        assertThat(task.payloadBytes()).containsExactly(big);
        assertThat(spillFiles()).isEmpty();
    }

    @Test
    void payloadOverTheLimitIsRefusedAtEncodeTime() throws Exception {
        FrameEncoder small = new FrameEncoder(new SpillFiles(this.tmp, 10_000));
        assertThatThrownBy(() -> small.encode(this.text, task(null, null, new byte[10_001], 0, 10_001), 1, 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10001");
        assertThat(spillFiles()).isEmpty();
    }

    @Test
    void routeNamesMustBe1To255Bytes() {
        assertThatThrownBy(() -> TaskName.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TaskName.of("é".repeat(128))).isInstanceOf(IllegalArgumentException.class);
        assertThat(TaskName.of("x".repeat(255)).byteLength()).isEqualTo(255);
    }

    // ---------------------------------------------------------------- decoding hand-made frames

    /** Writes a raw header at {@code at} of {@link #text}. */
    private void header(int at, int taskId, int length, int fromId, int type, int flags) {
        this.text.putInt(at, taskId);
        this.text.putShort(at + 4, (short) length);
        this.text.putShort(at + 6, (short) fromId);
        this.text.put(at + 8, (byte) type);
        this.text.put(at + 9, (byte) 0);
        this.text.putShort(at + 10, (short) flags);
    }

    private FrameRejectedException rejected(int length) {
        FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class, () -> decode(length));
        assertThat(ex).as("decoding must be rejected").isNotNull();
        assertThat(ex.getMessage()).startsWith(ex.reason().tag() + ": ");
        return ex;
    }

    @Test
    void phpStyleFrameDecodes() throws Exception {
        byte[] data = "s:5:\"hello\";".getBytes(StandardCharsets.US_ASCII);
        header(0, 1, data.length, 0, 7, TaskFlags.SERIALIZE | TaskFlags.NONBLOCK);
        this.text.put(12, data);
        DecodedTask task = decode(12 + data.length);
        assertThat(task.taskId()).isEqualTo(1);
        assertThat(task.type()).isEqualTo(TaskFrame.TYPE_TASK);
        assertThat(task.isWake()).isFalse();
        assertThat(task.isBatch()).isFalse();
        assertThat(task.flags()).isEqualTo(6);
        assertThat(task.payloadBytes()).containsExactly(data);
    }

    @Test
    void swooleReservedFlagBitsAreAccepted() throws Exception {
        header(0, 1, 1, 0, 7, TaskFlags.SWOOLE_RESERVED | TaskFlags.NONBLOCK);
        this.text.put(12, (byte) 'x');
        assertThat(decode(13).flags()).isEqualTo(0xFC);
    }

    @Test
    void wakeFrameIsRecognised() throws Exception {
        int length = FrameEncoder.encodeWake(this.text);
        assertThat(sent(length)).containsExactly(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0, 0, 0));
        assertThat(decode(length).isWake()).isTrue();
    }

    @Test
    void shortHeaderIsRejected() {
        header(0, 1, 0, 0, 7, 0);
        for (int n = 0; n < 12; n++) {
            assertThat(rejected(n).reason()).isEqualTo(RejectReason.SHORT_HEADER);
        }
        assertThat(rejected(11).getMessage()).contains("11 bytes");
    }

    @Test
    void messageOverMsgmaxIsRejectedAsOversize() {
        header(0, 1, 8181, 0, 7, 0);
        FrameRejectedException ex = rejected(8193);
        assertThat(ex.reason()).isEqualTo(RejectReason.OVERSIZE);
        assertThat(ex.getMessage()).contains("8192");
    }

    @Test
    void lengthFieldMustMatchTheBytesReceived() {
        header(0, 4, 10, 0, 7, 0);
        FrameRejectedException ex = rejected(12 + 9);
        assertThat(ex.reason()).isEqualTo(RejectReason.LENGTH_MISMATCH);
        assertThat(ex.getMessage()).contains("task 4").contains("10").contains("9");
        assertThat(rejected(12 + 11).reason()).isEqualTo(RejectReason.LENGTH_MISMATCH);
    }

    @Test
    void unknownTypeIsRejected() {
        for (int type : new int[] { 0, 1, 6, 8, 0xEF, 0xF1, 0xFF }) {
            header(0, 1, 0, 0, type, 0);
            FrameRejectedException ex = rejected(12);
            assertThat(ex.reason()).isEqualTo(RejectReason.UNKNOWN_TYPE);
            assertThat(ex.getMessage()).contains("type " + type);
        }
    }

    /** Flag bits no frame may carry (0x1000 became TRACED, so the unknown ones start above it now). */
    static int[] unknownBits() {
        return IntStream.range(0, 16).map((i) -> 1 << i)
            .filter((bit) -> (bit & TaskFlags.KNOWN) == 0).toArray();
    }

    @Test
    void unknownFlagBitsAreRejected() {
        assertThat(unknownBits()).as("bits left unknown").isNotEmpty().contains(0x8000);
        for (int flag : unknownBits()) {
            header(0, 1, 0, 0, 7, flag | TaskFlags.NONBLOCK);
            FrameRejectedException ex = rejected(12);
            assertThat(ex.reason()).isEqualTo(RejectReason.BAD_FLAGS);
            assertThat(ex.getMessage()).contains(String.format("0x%04x", flag));
        }
    }

    @Test
    void serializeAndJsonTogetherAreRejected() {
        header(0, 1, 0, 0, 7, TaskFlags.SERIALIZE | TaskFlags.JSON);
        FrameRejectedException ex = rejected(12);
        assertThat(ex.reason()).isEqualTo(RejectReason.BAD_FLAGS);
        assertThat(ex.getMessage()).contains("SERIALIZE and JSON");
    }

    @Test
    void batchWithAnyOtherFlagIsRejected() {
        for (int other : new int[] { TaskFlags.TMPFILE, TaskFlags.SERIALIZE, TaskFlags.JSON, TaskFlags.ROUTED,
                TaskFlags.REPLY, 0x08 }) {
            header(0, 0, 0, 0, 7, TaskFlags.BATCH | other);
            assertThat(rejected(12).reason()).as("BATCH | 0x%04x", other).isEqualTo(RejectReason.BAD_FLAGS);
        }
    }

    @Test
    void aBatchHoldsFramesDecodedOneByOne() throws Exception {
        int at = TaskFrame.HEADER_SIZE;
        at = FrameEncoder.appendToBatch(this.text, at, task(null, null, "one".getBytes(), 0, 3), 11, 3,
                TaskFlags.NONBLOCK);
        at = FrameEncoder.appendToBatch(this.text, at, task(null, TaskName.of("r2"), "[2]".getBytes(), 0, 3), 12, 3,
                TaskFlags.JSON);
        at = FrameEncoder.appendToBatch(this.text, at, task(null, null, "i:3;".getBytes(), 0, 4), 13, 3,
                TaskFlags.SERIALIZE);
        at = FrameEncoder.appendToBatch(this.text, at, task(null, null, new byte[0], 0, 0), 14, 3, 0);
        FrameEncoder.putBatchHeader(this.text, at - TaskFrame.HEADER_SIZE);
        assertThat(task(new byte[3]).inlineSize() + OutgoingTask.of(TaskName.of("r2"), 0, new byte[3]).inlineSize()
                + task(new byte[4]).inlineSize() + task(new byte[0]).inlineSize()).isEqualTo(at - 12);
        assertThat(this.text.getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF).isEqualTo(TaskFlags.BATCH | TaskFlags.NONBLOCK);

        DecodedTask task = decode(at);
        assertThat(task.isBatch()).isTrue();
        List<String> seen = new ArrayList<>();
        BatchCursor batch = this.decoder.batch(this.text);
        while (batch.hasNext()) {
            batch.next(task);
            seen.add(task.taskId() + "/" + task.fromId() + "/" + task.flags() + "/" + task.route() + "/"
                    + new String(task.payloadBytes(), StandardCharsets.US_ASCII));
        }
        assertThat(seen).containsExactly("11/3/4/null/one", "12/3/" + (TaskFlags.JSON | TaskFlags.ROUTED) + "/r2/[2]",
                "13/3/2/null/i:3;", "14/3/0/null/");
    }

    private int batchWith(int innerFlags, int innerType) {
        int end = FrameEncoder.appendToBatch(this.text, 12, task(null, null, "ok".getBytes(), 0, 2), 1, 0, 0);
        header(end, 2, 1, 0, innerType, innerFlags);
        this.text.put(end + 12, (byte) 'z');
        end += 13;
        FrameEncoder.putBatchHeader(this.text, end - 12);
        return end;
    }

    private FrameRejectedException secondFrameOfBatchRejected(int end) throws Exception {
        DecodedTask task = decode(end);
        assertThat(task.isBatch()).isTrue();
        BatchCursor batch = this.decoder.batch(this.text);
        batch.next(task);
        assertThat(task.payloadBytes()).containsExactly('o', 'k');
        FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class, () -> batch.next(task));
        assertThat(ex).isNotNull();
        assertThat(batch.hasNext()).as("nothing after the bad frame").isFalse();
        return ex;
    }

    @Test
    void tmpfileInsideABatchIsRejected() throws Exception {
        FrameRejectedException ex = secondFrameOfBatchRejected(batchWith(TaskFlags.TMPFILE, 7));
        assertThat(ex.reason()).isEqualTo(RejectReason.BAD_FLAGS);
        assertThat(ex.getMessage()).contains("batch").contains("spilled");
    }

    @Test
    void batchInsideABatchIsRejected() throws Exception {
        FrameRejectedException ex = secondFrameOfBatchRejected(batchWith(TaskFlags.BATCH, 7));
        assertThat(ex.reason()).isEqualTo(RejectReason.BAD_FLAGS);
    }

    @Test
    void unknownFlagsAndWakeFramesInsideABatchAreRejected() throws Exception {
        assertThat(secondFrameOfBatchRejected(batchWith(unknownBits()[0],
                7)).reason()).isEqualTo(RejectReason.BAD_FLAGS);
        assertThat(secondFrameOfBatchRejected(batchWith(0, TaskFrame.TYPE_WAKE)).reason())
            .isEqualTo(RejectReason.UNKNOWN_TYPE);
    }

    @Test
    void batchWithStrayOrOverlongFramesIsRejected() throws Exception {
        int end = FrameEncoder.appendToBatch(this.text, 12, task(null, null, "ok".getBytes(), 0, 2), 1, 0, 0);
        DecodedTask task = new DecodedTask();
        // 5 stray bytes after the frame
        FrameEncoder.putBatchHeader(this.text, end + 5 - 12);
        BatchCursor strayBatch = this.decoder.batch(this.text);
        strayBatch.next(task);
        FrameRejectedException stray = catchThrowableOfType(FrameRejectedException.class, () -> strayBatch.next(task));
        assertThat(stray.reason()).isEqualTo(RejectReason.BAD_FRAME);
        assertThat(stray.getMessage()).contains("5 stray bytes");
        assertThat(strayBatch.hasNext()).isFalse();
        // a frame claiming more than the batch holds
        header(end, 2, 100, 0, 7, 0);
        FrameEncoder.putBatchHeader(this.text, end + 20 - 12);
        BatchCursor overlongBatch = this.decoder.batch(this.text);
        overlongBatch.next(task);
        FrameRejectedException overlong = catchThrowableOfType(FrameRejectedException.class,
                () -> overlongBatch.next(task));
        assertThat(overlong.reason()).isEqualTo(RejectReason.BAD_FRAME);
        assertThat(overlong.getMessage()).contains("112").contains("20");
        assertThat(overlongBatch.hasNext()).isFalse();
    }

    @Test
    void malformedRoutesAreRejected() {
        // ROUTED with no data at all
        header(0, 1, 0, 0, 7, TaskFlags.ROUTED);
        assertThat(rejected(12).reason()).isEqualTo(RejectReason.BAD_FRAME);
        // a zero-length route
        header(0, 1, 2, 0, 7, TaskFlags.ROUTED);
        this.text.put(12, (byte) 0).put(13, (byte) 'a');
        assertThat(rejected(14).reason()).isEqualTo(RejectReason.BAD_FRAME);
        // a route longer than the data
        header(0, 1, 3, 0, 7, TaskFlags.ROUTED);
        this.text.put(12, (byte) 3).put(13, (byte) 'a').put(14, (byte) 'b');
        assertThat(rejected(15).getMessage()).contains("route of 3 bytes");
        // a route that is not UTF-8
        header(0, 1, 3, 0, 7, TaskFlags.ROUTED);
        this.text.put(12, (byte) 2).put(13, (byte) 0xC3).put(14, (byte) 0x28);
        FrameRejectedException ex = rejected(15);
        assertThat(ex.reason()).isEqualTo(RejectReason.BAD_FRAME);
        assertThat(ex.getMessage()).contains("UTF-8");
    }

    @Test
    void aRouteExactlyFillingTheDataLeavesAnEmptyPayload() throws Exception {
        header(0, 1, 3, 0, 7, TaskFlags.ROUTED);
        this.text.put(12, (byte) 2).put(13, (byte) 'o').put(14, (byte) 'k');
        DecodedTask task = decode(15);
        assertThat(task.route()).isEqualTo("ok");
        assertThat(task.payloadLength()).isZero();
    }

    @Test
    void manyDistinctRoutesKeepTheirNames() throws Exception {
        // more names than the decoder caches, each decoded twice
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 80; i++) {
                String name = "route-" + i;
                TaskName route = TaskName.of(name);
                int length = this.encoder.encode(this.text, task(null, route, new byte[] { (byte) i }, 0, 1), i, 0, 0);
                DecodedTask task = decode(length);
                assertThat(task.route()).isEqualTo(name);
                assertThat(task.payloadBytes()).containsExactly((byte) i);
            }
        }
    }

    @Test
    void spillHeaderRulesAreChecked() throws Exception {
        Path file = Files.write(this.tmp.resolve("swoole.taskRULES"), new byte[] { 1, 2, 3 });
        byte[] path = file.toString().getBytes(StandardCharsets.UTF_8);
        // length field other than 152
        header(0, 1, 4 + path.length + 1, 0, 7, TaskFlags.TMPFILE);
        this.text.putInt(12, 3).put(16, path).put(16 + path.length, (byte) 0);
        FrameRejectedException ex = rejected(12 + 4 + path.length + 1);
        assertThat(ex.reason()).isEqualTo(RejectReason.LENGTH_MISMATCH);
        assertThat(ex.getMessage()).contains("152");
        // a body too short to hold a length and a path
        header(0, 1, 152, 0, 7, TaskFlags.TMPFILE);
        assertThat(rejected(12 + 5).reason()).isEqualTo(RejectReason.LENGTH_MISMATCH);
        // a body longer than 152 bytes
        assertThat(rejected(12 + 153).reason()).isEqualTo(RejectReason.LENGTH_MISMATCH);
        // a path without its NUL
        header(0, 1, 152, 0, 7, TaskFlags.TMPFILE);
        this.text.putInt(12, 3);
        for (int i = 16; i < 164; i++) {
            this.text.put(i, (byte) 'a');
        }
        ex = rejected(164);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("NUL");
        // an empty path
        this.text.put(16, (byte) 0);
        assertThat(rejected(164).reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(file).exists();

        // the same file with a good header: a PHP-style body (not padded) is read and the file deleted
        header(0, 1, 152, 0, 7, TaskFlags.TMPFILE | TaskFlags.NONBLOCK);
        this.text.putInt(12, 3).put(16, path).put(16 + path.length, (byte) 0);
        DecodedTask task = decode(12 + 4 + path.length + 1);
        assertThat(task.payloadBytes()).containsExactly(1, 2, 3);
        assertThat(file).doesNotExist();
    }

    @Test
    void spillRejectionsNameTheTask() throws Exception {
        header(0, 4242, 152, 0, 7, TaskFlags.TMPFILE);
        byte[] path = this.tmp.resolve("swoole.taskGONE").toString().getBytes(StandardCharsets.UTF_8);
        this.text.putInt(12, 3).put(16, path).put(16 + path.length, (byte) 0);
        FrameRejectedException ex = rejected(12 + 4 + path.length + 1);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_MISSING);
        assertThat(ex.getMessage()).startsWith("spill-missing: task 4242: ").contains("swoole.taskGONE");
    }

    // ---------------------------------------------------------------- trace context (TRACED, 0x1000)

    @Test
    void tracedFrameCarriesTraceLengthTraceRouteThenPayload() throws Exception {
        byte[] trace = "traceparent=00-abc-01".getBytes(StandardCharsets.US_ASCII);
        TaskName route = TaskName.of("r");
        int length = this.encoder.encode(this.text, task(trace, route, "{}".getBytes(), 0, 2), 2, 0, TaskFlags.JSON);
        int data = 2 + trace.length + 1 + 1 + 2;
        assertThat(length).isEqualTo(12 + data);
        assertThat(sent(length)).containsExactly(concat(
                bytes(2, 0, 0, 0, data, 0, 0, 0, 7, 0, 0x00, 0x13),
                bytes(trace.length, 0), trace, bytes(1, 'r'), "{}".getBytes()));
        DecodedTask task = decode(length);
        assertThat(task.flags()).isEqualTo(TaskFlags.TRACED | TaskFlags.ROUTED | TaskFlags.JSON);
        assertThat(task.trace()).containsExactly(trace);
        assertThat(task.route()).isEqualTo("r");
        assertThat(task.payloadBytes()).containsExactly('{', '}');
        // the next, untraced frame must not inherit the trace
        length = this.encoder.encode(this.text, task(null, null, new byte[] { 1 }, 0, 1), 3, 0, 0);
        assertThat(decode(length).trace()).isNull();
    }

    @Test
    void aSpilledTracedTaskKeepsItsTraceAndPayload() throws Exception {
        byte[] trace = "traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(
                StandardCharsets.US_ASCII);
        byte[] payload = pattern(9000, 5);
        int length = this.encoder.encode(this.text, task(trace, TaskName.of("big"), payload, 0, payload.length), 4, 0,
                0);
        assertThat(length).isEqualTo(164);
        assertThat(this.text.getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF)
            .isEqualTo(TaskFlags.TRACED | TaskFlags.ROUTED | TaskFlags.TMPFILE);
        Path file = spillFiles().get(0);
        byte[] stored = Files.readAllBytes(file);
        assertThat(Arrays.copyOfRange(stored, 0, 2)).as("uint16 trace length, host order like every other field")
            .containsExactly(trace.length, 0);
        DecodedTask task = decode(length);
        assertThat(task.trace()).containsExactly(trace);
        assertThat(task.route()).isEqualTo("big");
        assertThat(task.payloadBytes()).containsExactly(payload);
    }

    @Test
    void aTraceThatDoesNotFitIsRejected() {
        header(0, 1, 1, 0, 7, TaskFlags.TRACED);
        this.text.put(12, (byte) 5);
        assertThat(rejected(13).reason()).isEqualTo(RejectReason.BAD_FRAME);
        header(0, 1, 4, 0, 7, TaskFlags.TRACED);
        this.text.putShort(12, (short) 3).put(14, (byte) 'a').put(15, (byte) 'b');
        FrameRejectedException ex = rejected(16);
        assertThat(ex.reason()).isEqualTo(RejectReason.BAD_FRAME);
        assertThat(ex.getMessage()).contains("trace context of 3 bytes");
    }

    // ---------------------------------------------------------------- round trip

    @Test
    void randomTasksRoundTrip() throws Exception {
        Random random = new Random(20240601);
        int[] interesting = { 0, 1, 2, 100, 8000, 8178, 8179, 8180, 8181, 9000, 70_000 };
        int[] flagChoices = { 0, TaskFlags.NONBLOCK, TaskFlags.SERIALIZE | TaskFlags.NONBLOCK, TaskFlags.JSON,
                TaskFlags.JSON | TaskFlags.REPLY, TaskFlags.REPLY };
        for (int i = 0; i < 300; i++) {
            int size = (i < interesting.length * 2) ? interesting[i % interesting.length] : random.nextInt(12_000);
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            TaskName route = (i % 2 == 0) ? null : TaskName.of("r" + random.nextInt(1000));
            int flags = flagChoices[random.nextInt(flagChoices.length)];
            int taskId = random.nextInt();
            int fromId = (short) random.nextInt();
            int length = this.encoder.encode(this.text, task(null, route, payload, 0, size), taskId, fromId, flags);
            int data = size + ((route != null) ? 1 + route.byteLength() : 0);
            boolean spilled = data >= TaskFrame.SPILL_THRESHOLD;
            assertThat(length).isEqualTo(spilled ? 164 : 12 + data);
            DecodedTask task = decode(length);
            assertThat(task.taskId()).isEqualTo(taskId);
            assertThat(task.fromId()).isEqualTo(fromId);
            assertThat(task.type()).isEqualTo(7);
            assertThat(task.flags()).isEqualTo(flags | (route != null ? TaskFlags.ROUTED : 0)
                    | (spilled ? TaskFlags.TMPFILE : 0));
            assertThat(task.route()).isEqualTo(route == null ? null : route.name());
            assertThat(task.payloadBytes()).containsExactly(payload);
        }
        assertThat(spillFiles()).isEmpty();
    }
}
