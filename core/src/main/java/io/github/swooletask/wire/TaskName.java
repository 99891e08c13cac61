package io.github.swooletask.wire;

import java.nio.charset.StandardCharsets;

/**
 * The name a task is dispatched with, which routes it to a handler: 1 to 255 bytes of UTF-8, kept encoded so a
 * dispatcher that reuses the value encodes it once.
 */
public final class TaskName {

    private final String name;

    private final byte[] bytes;

    private TaskName(String name, byte[] bytes) {
        this.name = name;
        this.bytes = bytes;
    }

    /** @throws IllegalArgumentException when the name is empty or longer than 255 bytes of UTF-8 */
    public static TaskName of(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > 255) {
            throw new IllegalArgumentException("a task name must be 1 to 255 bytes of UTF-8, '" + name + "' is "
                    + bytes.length);
        }
        return new TaskName(name, bytes);
    }

    public String name() {
        return this.name;
    }

    /** Bytes of UTF-8 the name takes, 1 to 255. */
    public int byteLength() {
        return this.bytes.length;
    }

    /** The UTF-8 bytes; callers must not change them. */
    byte[] bytes() {
        return this.bytes;
    }

    /** Bytes this name takes in a frame ({@code uint8} length and the name). */
    int encodedLength() {
        return 1 + this.bytes.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TaskName that && this.name.equals(that.name);
    }

    @Override
    public int hashCode() {
        return this.name.hashCode();
    }

    @Override
    public String toString() {
        return this.name;
    }
}
