package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.transport.FrameBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The 40-byte layout of Swoole 4.8 to 6.x, read from the bytes a real Swoole 6.1.9 wrote (shared/reference's
 * swoole-modern-wire.md, section 2), and written back byte for byte.
 */
class DataHeadCodecTest {

    /** {@code Swoole\Server\Task::pack('hello')}: task id 0, type 8, ext_flags 0x84. */
    private static final String PACK_HELLO = "00000000000000000000000000000000" + "05000000" + "0000" + "08" + "00"
            + "0000" + "8400" + "00000000" + "7d5bdffdbdc3da41" + "68656c6c6f";

    /** {@code Task::pack([1, "two", ["k" => 3.5]])}: task id 1, SERIALIZE added. */
    private static final String PACK_ARRAY = "0100000000000000" + "0000000000000000" + "34000000" + "0000" + "08" + "00"
            + "0000" + "8600" + "00000000" + "f25cdffdbdc3da41"
            + "613a333a7b693a303b693a313b693a313b733a333a2274776f223b693a323b613a313a7b733a313a226b223b643a332e353b7d7d";

    @TempDir
    Path tmp;

    private SpillFiles spill;

    private FrameDecoder decoder;

    private ByteBuffer frame;

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the captured bytes are little-endian");
    }

    @BeforeEach
    void setUp() {
        this.spill = new SpillFiles(this.tmp, 1 << 20);
        this.decoder = new FrameDecoder(this.spill);
        this.frame = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
    }

    private DecodedTask decode(byte[] message) throws FrameRejectedException {
        this.frame.put(0, message);
        DecodedTask task = new DecodedTask();
        this.decoder.decode(this.frame, message.length, task);
        return task;
    }

    private FrameRejectedException rejected(byte[] message) {
        FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class, () -> decode(message));
        assertThat(ex).as("rejected").isNotNull();
        return ex;
    }

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text);
    }

    /** A 40-byte header with the given fields and data. */
    private static byte[] dataHead(long fd, int type, int chunkFlags, int extFlags, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(40 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(0, fd).putLong(8, 0).putInt(16, data.length).putShort(20, (short) 0).put(22, (byte) type)
            .put(23, (byte) chunkFlags).putShort(24, (short) 0).putShort(26, (short) extFlags).putInt(28, 0)
            .putDouble(32, 1.7e9);
        out.put(40, data);
        return out.array();
    }

    @Test
    void readsTaskPackOfAString() throws Exception {
        DecodedTask task = decode(hex(PACK_HELLO));
        assertThat(task.format()).isEqualTo(WireFormat.SWOOLE_6_1);
        assertThat(task.taskId()).isZero();
        assertThat(task.type()).isEqualTo(8);
        assertThat(task.flags()).isEqualTo(TaskFlags.NONBLOCK | TaskFlags.NOREPLY);
        assertThat(new String(task.payloadBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(task.route()).isNull();
    }

    @Test
    void readsTaskPackOfAnArrayAsSerializeData() throws Exception {
        DecodedTask task = decode(hex(PACK_ARRAY));
        assertThat(task.taskId()).isEqualTo(1);
        assertThat(task.flags()).isEqualTo(0x86);
        assertThat(PhpUnserializer.read(task.payloadBytes()))
            .isEqualTo(List.of(1L, "two", Map.of("k", 3.5)));
    }

    @Test
    void readsTaskPackOfAnInteger() throws Exception {
        byte[] data = "i:42;".getBytes(StandardCharsets.US_ASCII);
        DecodedTask task = decode(dataHead(3, 8, 0, 0x86, data));
        assertThat(PhpUnserializer.read(task.payloadBytes())).isEqualTo(42L);
    }

    @Test
    void readsWhatASwooleServersOwnTaskCallWrites() throws Exception {
        // task('x'): fd 0, len 1, type 8, ext_flags 4 (NONBLOCK without NOREPLY: the server wants onFinish)
        DecodedTask x = decode(dataHead(0, 8, 0, 4, new byte[] { 'x' }));
        assertThat(x.format()).isEqualTo(WireFormat.SWOOLE_6_1);
        assertThat(x.flags() & TaskFlags.NOREPLY).isZero();
        assertThat(x.payloadBytes()).containsExactly('x');
        // task([1, 2]): fd 1, ext_flags 6
        DecodedTask array = decode(dataHead(1, 8, 0, 6, "a:2:{i:0;i:1;i:1;i:2;}".getBytes(StandardCharsets.US_ASCII)));
        assertThat(PhpUnserializer.read(array.payloadBytes())).isEqualTo(List.of(1L, 2L));
        // task('to-worker-0', 0): fd 3, 11 bytes
        DecodedTask directed = decode(dataHead(3, 8, 0, 4, "to-worker-0".getBytes(StandardCharsets.US_ASCII)));
        assertThat(directed.taskId()).isEqualTo(3);
        assertThat(new String(directed.payloadBytes(), StandardCharsets.US_ASCII)).isEqualTo("to-worker-0");
    }

    @Test
    void type7IsSwoole48() throws Exception {
        DecodedTask task = decode(dataHead(9, 7, 0, 0x84, "four-eight".getBytes(StandardCharsets.US_ASCII)));
        assertThat(task.format()).isEqualTo(WireFormat.SWOOLE_4_8);
        assertThat(task.taskId()).isEqualTo(9);
    }

    @Test
    void readsSwoolesSpillBodyAndDeletesTheFile() throws Exception {
        byte[] content = "A".repeat(9000).getBytes(StandardCharsets.US_ASCII);
        Path file = Files.write(this.tmp.resolve("swoole.task.MEKV32"), content);
        ByteBuffer body = ByteBuffer.allocate(264).order(ByteOrder.LITTLE_ENDIAN);
        body.putLong(0, 9000);
        body.put(8, file.toString().getBytes(StandardCharsets.UTF_8));
        // Task::pack(str_repeat('A', 9000)): ext_flags 0x85, len 264
        DecodedTask task = decode(dataHead(0, 8, 0, 0x85, body.array()));
        assertThat(task.payloadBytes()).isEqualTo(content);
        assertThat(file).doesNotExist();
    }

    @Test
    void spillBodyMustBe264BytesAndNameAFileInTmpdir() throws Exception {
        assertThat(rejected(dataHead(0, 8, 0, 0x85, new byte[152])).reason()).isEqualTo(RejectReason.LENGTH_MISMATCH);
        ByteBuffer body = ByteBuffer.allocate(264).order(ByteOrder.LITTLE_ENDIAN);
        body.putLong(0, 3);
        body.put(8, "/etc/swoole.task.x".getBytes(StandardCharsets.UTF_8));
        assertThat(rejected(dataHead(0, 8, 0, 0x85, body.array())).reason()).isEqualTo(RejectReason.SPILL_PATH);
        ByteBuffer unterminated = ByteBuffer.allocate(264).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 8; i < 264; i++) {
            unterminated.put(i, (byte) 'a');
        }
        assertThat(rejected(dataHead(0, 8, 0, 0x85, unterminated.array())).reason())
            .isEqualTo(RejectReason.SPILL_PATH);
    }

    @Test
    void swoolesOtherMessageTypesAreRefusedWithTheirName() {
        assertThat(rejected(dataHead(1, 16, 0, 0, new byte[4])).getMessage()).contains("shutdown");
        assertThat(rejected(dataHead(1, 15, 0, 0, new byte[4])).getMessage()).contains("shutdown");
        assertThat(rejected(dataHead(1, 10, 0, 0, new byte[4])).getMessage()).contains("pipe message");
        assertThat(rejected(dataHead(1, 9, 0, 0, new byte[4])).getMessage()).contains("pipe message");
        assertThat(rejected(dataHead(1, 3, 0, 0, new byte[4])).reason()).isEqualTo(RejectReason.UNKNOWN_TYPE);
    }

    @Test
    void chunksBatchesAndHugeIdsAreRefused() {
        assertThat(rejected(dataHead(1, 8, 1, 0, new byte[4])).reason()).isEqualTo(RejectReason.BAD_FRAME);
        assertThat(rejected(dataHead(1, 8, 0, TaskFlags.BATCH | TaskFlags.NONBLOCK, new byte[4])).reason())
            .isEqualTo(RejectReason.BAD_FLAGS);
        assertThat(rejected(dataHead(1L << 40, 8, 0, 0, new byte[4])).reason()).isEqualTo(RejectReason.BAD_FRAME);
    }

    @Test
    void aMalformedModernHeaderIsExplainedAsNeitherLayout() {
        byte[] message = dataHead(1, 8, 0, 0, new byte[10]);
        ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 99);
        FrameRejectedException ex = rejected(message);
        assertThat(ex.reason()).isEqualTo(RejectReason.UNKNOWN_TYPE);
        assertThat(ex.getMessage()).contains("type 0 is not a task (7)").contains("40-byte").contains("says 99");
    }

    @Test
    void theReplyAddressComesFirstThenTheName() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(12 + 1 + 4 + 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, 0x53540001).putLong(4, 77L).put(12, (byte) 4).put(13, "mail".getBytes(StandardCharsets.US_ASCII))
            .put(17, "hi".getBytes(StandardCharsets.US_ASCII));
        DecodedTask task = decode(dataHead(5, 8, 0, TaskFlags.REPLY_TO | TaskFlags.ROUTED | TaskFlags.NOREPLY,
                data.array()));
        assertThat(task.wantsReplyTo()).isTrue();
        assertThat(task.replyKey()).isEqualTo(0x53540001);
        assertThat(task.replyMtype()).isEqualTo(77);
        assertThat(task.route()).isEqualTo("mail");
        assertThat(new String(task.payloadBytes(), StandardCharsets.US_ASCII)).isEqualTo("hi");
        ByteBuffer zeroType = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 7).putLong(4, 0);
        assertThat(rejected(dataHead(6, 8, 0, TaskFlags.REPLY_TO, zeroType.array())).reason())
            .isEqualTo(RejectReason.BAD_FRAME);
        assertThat(rejected(dataHead(6, 8, 0, TaskFlags.REPLY_TO, new byte[5])).reason())
            .isEqualTo(RejectReason.BAD_FRAME);
    }

    @Test
    void writesTheCapturedBytesExceptTheTime() throws Exception {
        FrameEncoder encoder = new FrameEncoder(this.spill);
        int length = encoder.encode(this.frame, WireFormat.SWOOLE_6_1,
                OutgoingTask.of(0, "hello".getBytes(StandardCharsets.US_ASCII)), 0, 0, TaskFlags.NONBLOCK | TaskFlags.NOREPLY);
        byte[] written = new byte[length];
        this.frame.get(0, written);
        byte[] expected = hex(PACK_HELLO);
        assertThat(written).hasSameSizeAs(expected);
        assertThat(Arrays.copyOfRange(written, 0, 32)).isEqualTo(Arrays.copyOfRange(expected, 0, 32));
        assertThat(Arrays.copyOfRange(written, 40, 45)).isEqualTo(Arrays.copyOfRange(expected, 40, 45));
        double seconds = this.frame.getDouble(DataHead.OFFSET_TIME);
        assertThat(seconds).isCloseTo(System.currentTimeMillis() / 1000.0, Offset.offset(60.0));

        length = encoder.encode(this.frame, WireFormat.SWOOLE_6_1,
                OutgoingTask.of(TaskFlags.SERIALIZE, hex(PACK_ARRAY.substring(80))), 1, 0,
                TaskFlags.NONBLOCK | TaskFlags.NOREPLY);
        written = new byte[length];
        this.frame.get(0, written);
        expected = hex(PACK_ARRAY);
        assertThat(Arrays.copyOfRange(written, 0, 32)).isEqualTo(Arrays.copyOfRange(expected, 0, 32));
        assertThat(Arrays.copyOfRange(written, 40, written.length))
            .isEqualTo(Arrays.copyOfRange(expected, 40, expected.length));
    }

    @Test
    void spillsMoreThan8152BytesInSwoolesBodyAndReadsItBack() throws Exception {
        FrameEncoder encoder = new FrameEncoder(this.spill);
        byte[] inline = new byte[8152];
        int length = encoder.encode(this.frame, WireFormat.SWOOLE_4_8, OutgoingTask.of(0, inline), 1, 0, 0);
        assertThat(length).isEqualTo(40 + 8152);
        assertThat(this.frame.get(DataHead.OFFSET_TYPE)).isEqualTo((byte) 7);
        byte[] big = new byte[8153];
        Arrays.fill(big, (byte) 'B');
        length = encoder.encode(this.frame, WireFormat.SWOOLE_4_8, OutgoingTask.of(0, big), 2, 0, 0);
        assertThat(length).isEqualTo(40 + 264);
        assertThat(this.frame.getInt(DataHead.OFFSET_LEN)).isEqualTo(264);
        assertThat(this.frame.getShort(DataHead.OFFSET_EXT_FLAGS) & TaskFlags.TMPFILE).isEqualTo(TaskFlags.TMPFILE);
        assertThat(this.frame.getLong(40)).isEqualTo(8153);
        String path = DataHead.spillPath(this.frame, 40);
        assertThat(Path.of(path).getFileName().toString()).startsWith("swoole.task");
        assertThat(Files.readAllBytes(Path.of(path))).isEqualTo(big);
        DecodedTask task = new DecodedTask();
        this.decoder.decode(this.frame, length, task);
        assertThat(task.payloadBytes()).isEqualTo(big);
        assertThat(Path.of(path)).doesNotExist();
    }

    @Test
    void bothLayoutsAreToldApartOnEveryMessage() throws Exception {
        FrameEncoder encoder = new FrameEncoder(this.spill);
        for (int size : new int[] { 0, 1, 27, 28, 29, 100, 8140, 8152 }) {
            byte[] payload = new byte[size];
            Arrays.fill(payload, (byte) 7);
            for (WireFormat format : WireFormat.values()) {
                int length = encoder.encode(this.frame, format, OutgoingTask.of(0, payload), 11, 0,
                        TaskFlags.NONBLOCK);
                DecodedTask task = new DecodedTask();
                this.decoder.decode(this.frame, length, task);
                assertThat(task.format()).as("%s, %d bytes", format, size).isEqualTo(format);
                assertThat(task.taskId()).isEqualTo(11);
                assertThat(task.payloadBytes()).isEqualTo(payload);
            }
        }
        assertThatThrownBy(() -> WireFormat.parse("swoole-5")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("swoole-1.7, swoole-4.8, swoole-6.1");
        assertThat(WireFormat.parse("SWOOLE_6_1")).isEqualTo(WireFormat.SWOOLE_6_1);
    }
}
