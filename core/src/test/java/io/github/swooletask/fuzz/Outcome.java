package io.github.swooletask.fuzz;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;

import io.github.swooletask.php.PhpSerializeException;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.WireFormat;

/** What one message turns into: tasks run and rejections, as {@code TaskWorker.handle} produces them. */
final class Outcome {

    /** The fuzzers' seed; {@code -Dfuzz.seed=N} replays another. */
    static final long SEED = Long.getLong("fuzz.seed", 0x5EED_F0221L);

    int processed;

    final EnumMap<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);

    int rejections() {
        return this.rejected.values().stream().mapToInt(Integer::intValue).sum();
    }

    void reject(RejectReason reason) {
        this.rejected.merge(reason, 1, Integer::sum);
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
        if (frames == 0) {
            // as the worker does: a batch that holds no task is rejected
            outcome.reject(RejectReason.BAD_FRAME);
        }
        return outcome;
    }

    private static void runTask(DecodedTask task, int length, Outcome outcome) {
        check(task.type() == task.format().taskType(), "a task of type " + task.type() + " in " + task.format());
        check(task.format() == WireFormat.SWOOLE_1_7 || length >= DataHead.HEADER_SIZE, "a 40-byte header is there");
        check(!task.wantsReplyTo() || (task.replyKey() != 0 && task.replyMtype() >= 1), "a usable reply address");
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

    /** A message for a failure report: index, seed, length and the first 256 bytes in hex. */
    static String describe(int index, byte[] message) {
        byte[] head = (message.length > 256) ? Arrays.copyOf(message, 256) : message;
        return "message #" + index + " (seed " + SEED + ", " + message.length + " bytes): "
                + HexFormat.of().formatHex(head) + ((message.length > 256) ? "..." : "");
    }
}
