package io.github.swooletask.sysv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable native buffer laid out as a System V message: a {@code long mtype} followed by the message text.
 * Each thread that sends or receives owns one, so the hot path allocates nothing. Not thread-safe.
 */
public final class MessageBuffer {

    /** Bytes taken by {@code mtype} before the text. */
    public static final int MTYPE_SIZE = 8;

    private final ByteBuffer whole;

    private final ByteBuffer text;

    private final long address;

    private MessageBuffer(int textCapacity) {
        this.whole = ByteBuffer.allocateDirect(MTYPE_SIZE + textCapacity).order(ByteOrder.nativeOrder());
        this.text = this.whole.position(MTYPE_SIZE).slice().order(ByteOrder.nativeOrder());
        this.whole.clear();
        this.address = Native.available() ? Native.address(this.whole) : 0L;
    }

    /** A buffer whose text holds up to {@code textCapacity} bytes. */
    public static MessageBuffer allocate(int textCapacity) {
        if (textCapacity <= 0) {
            throw new IllegalArgumentException("textCapacity must be positive, was " + textCapacity);
        }
        return new MessageBuffer(textCapacity);
    }

    /** The message text, in native byte order, starting at index 0. Callers use absolute gets and puts. */
    public ByteBuffer text() {
        return this.text;
    }

    /** Bytes the text can hold. */
    public int textCapacity() {
        return this.text.capacity();
    }

    /** The {@code mtype} of the message last received into, or about to be sent from, this buffer. */
    public long mtype() {
        return this.whole.getLong(0);
    }

    /** Sets the {@code mtype} (receivers of other transports set 0). */
    public void mtype(long mtype) {
        this.whole.putLong(0, mtype);
    }

    long address() {
        return this.address;
    }
}
