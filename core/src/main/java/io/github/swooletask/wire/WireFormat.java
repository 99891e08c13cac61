package io.github.swooletask.wire;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * The task message layouts: Swoole 1.7.2's 12-byte header ({@link TaskFrame}) and the 40-byte header of Swoole 4.8
 * to 6.x ({@link DataHead}), whose task type is 7 up to 6.0 and 8 from 6.1. Workers read every layout without a
 * setting; dispatchers write the one they are configured with.
 */
public enum WireFormat {

    /** The 12-byte header of Swoole 1.7.2 and its external PHP client. */
    SWOOLE_1_7("swoole-1.7", TaskFrame.HEADER_SIZE, TaskFrame.TYPE_TASK),

    /** The 40-byte header of Swoole 4.8 to 6.0, task type 7. */
    SWOOLE_4_8("swoole-4.8", DataHead.HEADER_SIZE, DataHead.TYPE_TASK_4_8),

    /** The 40-byte header of Swoole 6.1 and later, task type 8. */
    SWOOLE_6_1("swoole-6.1", DataHead.HEADER_SIZE, DataHead.TYPE_TASK_6_1);

    private final String label;

    private final int headerSize;

    private final int taskType;

    WireFormat(String label, int headerSize, int taskType) {
        this.label = label;
        this.headerSize = headerSize;
        this.taskType = taskType;
    }

    /** The name used in configuration and on the command line, e.g. {@code swoole-6.1}. */
    public String label() {
        return this.label;
    }

    /** Bytes of header before the data. */
    public int headerSize() {
        return this.headerSize;
    }

    /** The header's type number of a task. */
    public int taskType() {
        return this.taskType;
    }

    /** Whether this is one of the 40-byte layouts. */
    public boolean isDataHead() {
        return this != SWOOLE_1_7;
    }

    /** Whether data of {@code length} bytes travels in a spill file rather than inline. */
    public boolean spills(int length) {
        return isDataHead() ? length > DataHead.MAX_INLINE_DATA : length >= TaskFrame.SPILL_THRESHOLD;
    }

    /** The length field of a spilled message: 152 bytes of spill body, or 264. */
    public int spillBodyLength() {
        return isDataHead() ? DataHead.SPILL_LENGTH : TaskFrame.SPILL_LENGTH;
    }

    /** Parses {@code swoole-1.7}, {@code swoole-4.8} or {@code swoole-6.1}. */
    public static WireFormat parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (WireFormat format : values()) {
            if (format.label.equals(value) || format.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException("wire format '" + text + "' is not one of swoole-1.7, swoole-4.8,"
                + " swoole-6.1");
    }

    /** The 40-byte layout whose task type is {@code type}, or null. */
    static @Nullable WireFormat ofDataHeadType(int type) {
        return switch (type) {
            case DataHead.TYPE_TASK_4_8 -> SWOOLE_4_8;
            case DataHead.TYPE_TASK_6_1 -> SWOOLE_6_1;
            default -> null;
        };
    }
}
