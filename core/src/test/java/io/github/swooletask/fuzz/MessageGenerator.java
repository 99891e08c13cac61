package io.github.swooletask.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static io.github.swooletask.support.RawFrames.dataHead;
import static io.github.swooletask.support.RawFrames.frame;

/**
 * Seeded source of hostile message texts: pure noise, plausible headers, valid frames with mutations, spill bodies
 * with nasty paths, and PHP-serialize-like payloads. Deterministic for a given seed and file system state.
 */
final class MessageGenerator {

    /** Files the generator may aim spill paths at. */
    record Targets(Path tmp, Path other, List<String> insideNames, List<String> outsideFiles) {
    }

    private static final int[] KNOWN_BITS = { TaskFlags.TMPFILE, TaskFlags.SERIALIZE, TaskFlags.NONBLOCK, 8, 16, 32,
            64, 128, TaskFlags.JSON, TaskFlags.ROUTED, TaskFlags.BATCH, TaskFlags.REPLY, TaskFlags.TRACED,
            TaskFlags.REPLY_TO, TaskFlags.FAILED };

    private static final String[] ROUTES = { "a", "mail", "report.daily", "größe", "x".repeat(200) };

    private final Random random;

    private final Targets targets;

    private final SpillFiles realSpill;

    private final int maxLength;

    /** Real spill files made for the last message, so a caller can restore them: path and contents. */
    final List<Object[]> madeFiles = new ArrayList<>();

    /**
     * @param realSpill where to make real spill files for some messages, or null for none
     * @param maxLength longest message to produce
     */
    MessageGenerator(long seed, Targets targets, SpillFiles realSpill, int maxLength) {
        this.random = new Random(seed);
        this.targets = targets;
        this.realSpill = realSpill;
        this.maxLength = maxLength;
    }

    Random random() {
        return this.random;
    }

    byte[] next() {
        this.madeFiles.clear();
        int kind = this.random.nextInt(100);
        byte[] message;
        if (kind < 12) {
            message = noise();
        }
        else if (kind < 25) {
            message = plausibleHeader();
        }
        else if (kind < 45) {
            message = mutate(template());
        }
        else if (kind < 60) {
            message = (this.random.nextInt(3) == 0) ? dataHeadTemplate() : mutate(dataHeadTemplate());
        }
        else if (kind < 80) {
            message = spillMessage();
            if (this.random.nextInt(4) == 0) {
                message = mutate(message);
            }
        }
        else {
            message = serializedMessage();
        }
        if (message.length > this.maxLength) {
            message = Arrays.copyOf(message, this.maxLength);
        }
        return message;
    }

    // ---------------------------------------------------------------- building blocks

    private int someLength() {
        int pick = this.random.nextInt(100);
        if (pick < 15) {
            return this.random.nextInt(16);
        }
        if (pick < 80) {
            return this.random.nextInt(200);
        }
        if (pick < 95) {
            return this.random.nextInt(8300);
        }
        return 8180 + this.random.nextInt(20);
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        this.random.nextBytes(bytes);
        return bytes;
    }

    private byte[] noise() {
        return randomBytes(someLength());
    }

    private int someFlags() {
        int pick = this.random.nextInt(10);
        if (pick < 3) {
            return this.random.nextInt(0x10000);
        }
        int flags = 0;
        int bits = this.random.nextInt(4);
        for (int i = 0; i < bits; i++) {
            flags |= KNOWN_BITS[this.random.nextInt(KNOWN_BITS.length)];
        }
        return flags;
    }

    private int someType() {
        int pick = this.random.nextInt(10);
        if (pick < 7) {
            return TaskFrame.TYPE_TASK;
        }
        if (pick == 7) {
            return TaskFrame.TYPE_WAKE;
        }
        return this.random.nextInt(256);
    }

    private byte[] plausibleHeader() {
        byte[] data = randomBytes(someLength());
        int lengthField = this.random.nextBoolean() ? data.length : this.random.nextInt(0x10000);
        return frame(this.random.nextInt(), lengthField, this.random.nextInt(), someType(), someFlags(), data);
    }

    private byte[] routed(byte[] payload) {
        byte[] route = ROUTES[this.random.nextInt(ROUTES.length)].getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[1 + route.length + payload.length];
        data[0] = (byte) route.length;
        System.arraycopy(route, 0, data, 1, route.length);
        System.arraycopy(payload, 0, data, 1 + route.length, payload.length);
        return data;
    }

    /** {@code uint16 n | n bytes of trace context} in host order, then {@code rest}. */
    private byte[] traced(byte[] rest) {
        byte[] trace = ("traceparent=00-" + Long.toHexString(this.random.nextLong()) + "-01\nbaggage=k=v")
            .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(2 + trace.length + rest.length).order(ByteOrder.nativeOrder());
        out.putShort((short) trace.length).put(trace).put(rest);
        return out.array();
    }

    /** A frame that would decode if left alone. */
    private byte[] template() {
        int pick = this.random.nextInt(8);
        int taskId = this.random.nextInt();
        switch (pick) {
            case 7: {
                boolean route = this.random.nextBoolean();
                byte[] data = traced(route ? routed(randomBytes(this.random.nextInt(80))) : randomBytes(40));
                return frame(taskId, data.length, 0, 7, TaskFlags.TRACED | (route ? TaskFlags.ROUTED : 0), data);
            }
            case 0: {
                byte[] data = randomBytes(this.random.nextInt(300));
                return frame(taskId, data.length, 0, 7, TaskFlags.NONBLOCK, data);
            }
            case 1: {
                byte[] data = routed(randomBytes(this.random.nextInt(100)));
                return frame(taskId, data.length, 3, 7, TaskFlags.ROUTED | TaskFlags.JSON, data);
            }
            case 2: {
                byte[] data = phpValue(true);
                return frame(taskId, data.length, 0, 7, TaskFlags.SERIALIZE | TaskFlags.NONBLOCK, data);
            }
            case 3:
                return batch();
            case 4:
                return frame(0, 0, 0, TaskFrame.TYPE_WAKE, 0, new byte[0]);
            case 5: {
                byte[] data = randomBytes(8179);
                return frame(taskId, data.length, 0, 7, TaskFlags.REPLY, data);
            }
            default:
                return spillMessage();
        }
    }

    /** A frame of the 40-byte layout that would decode if left alone (or, now and then, one of Swoole's non-tasks). */
    private byte[] dataHeadTemplate() {
        int type = (this.random.nextInt(10) == 0)
                ? new int[] { 9, 10, 15, 16, 0, this.random.nextInt(256) }[this.random.nextInt(6)]
                : 7 + this.random.nextInt(2);
        long fd = (this.random.nextInt(20) == 0) ? this.random.nextLong() : this.random.nextInt(Integer.MAX_VALUE);
        int noreply = TaskFlags.NONBLOCK | TaskFlags.NOREPLY;
        switch (this.random.nextInt(6)) {
            case 0:
                return dataHead(fd, type, noreply, randomBytes(this.random.nextInt(300)));
            case 1:
                return dataHead(fd, type, noreply | TaskFlags.SERIALIZE, phpValue(this.random.nextInt(4) != 0));
            case 2: {
                ByteBuffer reply = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
                reply.putInt(0, this.random.nextInt()).putLong(4, this.random.nextInt(3) - 1L + this.random.nextInt(100));
                byte[] data = routed(randomBytes(this.random.nextInt(100)));
                ByteBuffer out = ByteBuffer.allocate(12 + data.length).put(reply.array()).put(data);
                return dataHead(fd, type, TaskFlags.REPLY_TO | TaskFlags.ROUTED | TaskFlags.NOREPLY, out.array());
            }
            case 3:
                return dataHead(fd, type, noreply, randomBytes(8152 - this.random.nextInt(3)));
            case 4:
                return dataHead(fd, type, TaskFlags.NONBLOCK, randomBytes(this.random.nextInt(40)));
            default:
                return dataHeadSpill(fd, type);
        }
    }

    /** A spilled 40-byte task: {@code uint64 length | path} NUL-padded to 264 bytes, aimed like the 12-byte ones. */
    private byte[] dataHeadSpill(long fd, int type) {
        String path;
        long declared;
        if (this.realSpill != null && this.random.nextInt(3) == 0) {
            byte[] contents = randomBytes(8153 + this.random.nextInt(4000));
            path = this.realSpill.write(ByteBuffer.wrap(contents));
            this.madeFiles.add(new Object[] { Path.of(path), contents });
            declared = contents.length + ((this.random.nextInt(5) == 0) ? this.random.nextInt(3) - 1 : 0);
        }
        else {
            path = spillPath();
            declared = (this.random.nextInt(10) == 0) ? this.random.nextLong() : declaredLength();
        }
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(DataHead.SPILL_LENGTH).order(ByteOrder.nativeOrder());
        body.putLong(declared).put(pathBytes, 0, Math.min(pathBytes.length, DataHead.SPILL_PATH_FIELD));
        if (this.random.nextInt(20) == 0) {
            for (int i = 8; i < DataHead.SPILL_LENGTH; i++) {
                body.put(i, (byte) 'q');
            }
        }
        int flags = TaskFlags.TMPFILE | TaskFlags.NONBLOCK | TaskFlags.NOREPLY;
        long lenField = (this.random.nextInt(10) == 0) ? this.random.nextInt(300) : DataHead.SPILL_LENGTH;
        return dataHead(fd, lenField, 0, type, 0, flags, body.array());
    }

    private byte[] batch() {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        int n = 1 + this.random.nextInt(6);
        for (int i = 0; i < n; i++) {
            int flags = (this.random.nextInt(3) == 0) ? TaskFlags.SERIALIZE : TaskFlags.NONBLOCK;
            byte[] data = (flags == TaskFlags.SERIALIZE) ? phpValue(this.random.nextInt(4) != 0)
                    : randomBytes(this.random.nextInt(60));
            if (this.random.nextInt(3) == 0) {
                data = routed(data);
                flags |= TaskFlags.ROUTED;
            }
            if (this.random.nextInt(4) == 0) {
                data = traced(data);
                flags |= TaskFlags.TRACED;
            }
            frames.writeBytes(frame(this.random.nextInt(), data.length, 0, 7, flags, data));
        }
        byte[] body = frames.toByteArray();
        return frame(0, body.length, 0, 7, TaskFlags.BATCH | TaskFlags.NONBLOCK, body);
    }

    private byte[] mutate(byte[] original) {
        byte[] message = original;
        int rounds = this.random.nextInt(5);
        for (int k = 0; k < rounds; k++) {
            int op = this.random.nextInt(9);
            if (message.length == 0 && op < 3) {
                op = 3;
            }
            switch (op) {
                case 0: { // flip bits
                    int flips = 1 + this.random.nextInt(8);
                    for (int i = 0; i < flips; i++) {
                        int at = this.random.nextInt(message.length);
                        message[at] ^= (byte) (1 << this.random.nextInt(8));
                    }
                    break;
                }
                case 1: // set a random byte, often in the header
                    message[this.random.nextInt(Math.min(message.length,
                            this.random.nextBoolean() ? 12 : message.length))] =
                            (byte) this.random.nextInt(256);
                    break;
                case 2: // truncate
                    message = Arrays.copyOf(message, this.random.nextInt(message.length + 1));
                    break;
                case 3: { // extend with junk
                    byte[] junk = randomBytes(1 + this.random.nextInt(64));
                    byte[] longer = Arrays.copyOf(message, message.length + junk.length);
                    System.arraycopy(junk, 0, longer, message.length, junk.length);
                    message = longer;
                    break;
                }
                case 4: // random length field
                    if (message.length >= 6) {
                        putShort(message, TaskFrame.OFFSET_LENGTH, this.random.nextInt(0x10000));
                    }
                    break;
                case 5: // random flags
                    if (message.length >= 12) {
                        putShort(message, TaskFrame.OFFSET_FLAGS, someFlags());
                    }
                    break;
                case 6: // random type
                    if (message.length >= 9) {
                        message[TaskFrame.OFFSET_TYPE] = (byte) someType();
                    }
                    break;
                case 7: // toggle one known flag bit
                    if (message.length >= 12) {
                        int flags = getShort(message, TaskFrame.OFFSET_FLAGS);
                        putShort(message, TaskFrame.OFFSET_FLAGS,
                                flags ^ KNOWN_BITS[this.random.nextInt(KNOWN_BITS.length)]);
                    }
                    break;
                default: // a length field off by a little
                    if (message.length >= 6) {
                        putShort(message, TaskFrame.OFFSET_LENGTH,
                                getShort(message, TaskFrame.OFFSET_LENGTH) + this.random.nextInt(5) - 2);
                    }
                    break;
            }
        }
        return message;
    }

    private static void putShort(byte[] message, int at, int value) {
        ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).putShort(at, (short) value);
    }

    private static int getShort(byte[] message, int at) {
        return ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).getShort(at) & 0xFFFF;
    }

    // ---------------------------------------------------------------- spill bodies

    private String spillPath() {
        Path tmp = this.targets.tmp();
        int pick = this.random.nextInt(16);
        switch (pick) {
            case 0:
                return tmp + "/" + SpillFiles.PREFIX + Long.toUnsignedString(this.random.nextLong());
            case 1:
                return tmp + "/../" + this.targets.other().getFileName() + "/" + pickOutsideName();
            case 2:
                return this.targets.other() + "/" + pickOutsideName();
            case 3:
                return tmp + "/" + this.targets.insideNames().get(this.random.nextInt(this.targets.insideNames().size()));
            case 4:
                return "/" + "a".repeat(100 + this.random.nextInt(200)) + "/" + SpillFiles.PREFIX;
            case 5:
                return SpillFiles.PREFIX + this.random.nextInt(1000);
            case 6:
                return tmp + "/../../../../etc/passwd";
            case 7:
                return tmp + "/" + SpillFiles.PREFIX + "/../" + SpillFiles.PREFIX;
            case 8:
                return new String(randomBytes(1 + this.random.nextInt(140)), StandardCharsets.ISO_8859_1)
                    .replace('\0', 'x');
            case 9:
                return "/";
            case 10:
                return tmp.toString();
            case 11:
                return tmp + "/./" + SpillFiles.PREFIX + "é\uFFFD" + this.random.nextInt(100);
            case 12:
                return tmp + "/" + SpillFiles.PREFIX + "x".repeat(140);
            case 13:
                return "/proc/self/fd/0";
            default:
                return tmp + "/" + SpillFiles.PREFIX + "missing" + this.random.nextInt(1000);
        }
    }

    private String pickOutsideName() {
        List<String> files = this.targets.outsideFiles();
        return files.get(this.random.nextInt(files.size()));
    }

    private int declaredLength() {
        int pick = this.random.nextInt(6);
        switch (pick) {
            case 0:
                return this.random.nextInt();
            case 1:
                return -1 - this.random.nextInt(10);
            case 2:
                return Integer.MAX_VALUE;
            default:
                return this.random.nextInt(20_000);
        }
    }

    private byte[] spillMessage() {
        String path;
        int declared;
        int flags = TaskFlags.TMPFILE | TaskFlags.NONBLOCK;
        if (this.realSpill != null && this.random.nextInt(4) == 0) {
            byte[] contents;
            if (this.random.nextBoolean()) {
                contents = phpValue(this.random.nextInt(3) != 0);
                flags |= TaskFlags.SERIALIZE;
            }
            else if (this.random.nextInt(3) == 0) {
                contents = routed(randomBytes(this.random.nextInt(9000)));
                flags |= TaskFlags.ROUTED;
                if (this.random.nextInt(4) == 0) {
                    contents[0] = (byte) this.random.nextInt(256);
                }
            }
            else {
                contents = randomBytes(this.random.nextInt(12_000));
            }
            if (this.random.nextInt(4) == 0) {
                contents = traced(contents);
                flags |= TaskFlags.TRACED;
            }
            path = this.realSpill.write(ByteBuffer.wrap(contents));
            this.madeFiles.add(new Object[] { Path.of(path), contents });
            int error = this.random.nextInt(5) == 0 ? this.random.nextInt(3) - 1 : 0;
            declared = contents.length + error;
        }
        else {
            path = spillPath();
            declared = declaredLength();
            if (this.random.nextInt(8) == 0) {
                flags |= TaskFlags.SERIALIZE;
            }
        }
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        boolean pad = this.random.nextBoolean();
        int bodyLength = pad ? Math.max(TaskFrame.SPILL_LENGTH, 4 + pathBytes.length + 1) : 4 + pathBytes.length + 1;
        ByteBuffer body = ByteBuffer.allocate(bodyLength).order(ByteOrder.nativeOrder());
        body.putInt(declared).put(pathBytes);
        if (this.random.nextInt(20) == 0) {
            // no terminating NUL at all
            body.put(body.position(), (byte) 'q');
        }
        int lengthField = (this.random.nextInt(10) == 0) ? this.random.nextInt(300) : TaskFrame.SPILL_LENGTH;
        return frame(this.random.nextInt(), lengthField, 0, 7, flags, body.array());
    }

    // ---------------------------------------------------------------- PHP serialize-like payloads

    private byte[] serializedMessage() {
        byte[] data = phpValue(this.random.nextBoolean());
        int flags = TaskFlags.SERIALIZE | (this.random.nextBoolean() ? TaskFlags.NONBLOCK : 0);
        byte[] message = frame(this.random.nextInt(), data.length, 0, 7, flags, data);
        return (message.length > 8192 && this.random.nextBoolean()) ? Arrays.copyOf(message, 8192) : message;
    }

    /** A PHP serialize()-like value: valid when {@code clean}, otherwise with a few faults. */
    byte[] phpValue(boolean clean) {
        StringBuilder out = new StringBuilder();
        value(out, 0, this.random.nextInt(100) == 0 ? 80 : 6);
        byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        if (clean) {
            return bytes;
        }
        int faults = 1 + this.random.nextInt(3);
        for (int i = 0; i < faults && bytes.length > 0; i++) {
            int op = this.random.nextInt(4);
            int at = this.random.nextInt(bytes.length);
            switch (op) {
                case 0:
                    bytes[at] = (byte) "0123456789:;{}\"-aisNbdOrRCE".charAt(this.random.nextInt(27));
                    break;
                case 1:
                    bytes = Arrays.copyOf(bytes, at);
                    break;
                case 2:
                    bytes[at] ^= (byte) (1 << this.random.nextInt(8));
                    break;
                default: {
                    byte[] digits = Long.toString(Math.abs(this.random.nextLong())).getBytes(StandardCharsets.US_ASCII);
                    byte[] grown = new byte[bytes.length + digits.length];
                    System.arraycopy(bytes, 0, grown, 0, at);
                    System.arraycopy(digits, 0, grown, at, digits.length);
                    System.arraycopy(bytes, at, grown, at + digits.length, bytes.length - at);
                    bytes = grown;
                    break;
                }
            }
        }
        return bytes;
    }

    private void value(StringBuilder out, int depth, int maxDepth) {
        int pick = this.random.nextInt(depth < maxDepth ? 12 : 8);
        switch (pick) {
            case 0 -> out.append("N;");
            case 1 -> out.append("b:").append(this.random.nextInt(2)).append(';');
            case 2 -> out.append("i:").append(this.random.nextInt(10) == 0 ? this.random.nextLong()
                    : (long) this.random.nextInt(1000) - 500).append(';');
            case 3 -> {
                double d = switch (this.random.nextInt(6)) {
                    case 0 -> Double.NaN;
                    case 1 -> Double.POSITIVE_INFINITY;
                    case 2 -> -1.5e300;
                    default -> this.random.nextGaussian();
                };
                String text = Double.isNaN(d) ? "NAN" : Double.isInfinite(d) ? "INF" : Double.toString(d).replace("E",
                        "E+")
                    .replace("E+-", "E-");
                out.append("d:").append(text).append(';');
            }
            case 4, 5, 6, 7 -> string(out);
            case 8, 9, 10 -> {
                int n = this.random.nextInt(5);
                out.append("a:").append(n).append(":{");
                for (int i = 0; i < n; i++) {
                    if (this.random.nextBoolean()) {
                        out.append("i:").append(this.random.nextBoolean() ? i : this.random.nextInt(50)).append(';');
                    }
                    else {
                        string(out);
                    }
                    value(out, depth + 1, maxDepth);
                }
                out.append('}');
            }
            default -> {
                int n = this.random.nextInt(3);
                out.append("O:8:\"stdClass\":").append(n).append(":{");
                for (int i = 0; i < n; i++) {
                    out.append("s:1:\"").append((char) ('a' + i)).append("\";");
                    value(out, depth + 1, maxDepth);
                }
                out.append('}');
            }
        }
    }

    private void string(StringBuilder out) {
        String[] pool = { "", "x", "héllo", "日本", "a\"b;c}", "🚀", "long".repeat(20) };
        String text = pool[this.random.nextInt(pool.length)];
        out.append("s:").append(text.getBytes(StandardCharsets.UTF_8).length).append(":\"").append(text).append("\";");
    }

    static void writeQuietly(Path file, byte[] contents) {
        try {
            Files.write(file, contents);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
