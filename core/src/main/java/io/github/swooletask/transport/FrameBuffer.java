package io.github.swooletask.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.ToLongFunction;

/**
 * A reusable direct buffer that holds one frame, with {@value #HEADROOM} bytes of headroom before it that a
 * transport may use for its own envelope (a System V queue puts the message type there). Each thread that sends or
 * receives owns one, so the hot path allocates nothing. Not thread-safe.
 */
public final class FrameBuffer {

    /** Bytes before the frame a transport may use: a System V message's {@code long mtype}. */
    public static final int HEADROOM = 8;

    private ByteBuffer whole;

    private ByteBuffer frame;

    private long address;

    private FrameBuffer(int capacity) {
        this.whole = ByteBuffer.allocateDirect(HEADROOM + capacity).order(ByteOrder.nativeOrder());
        this.frame = frameOf(this.whole);
    }

    private static ByteBuffer frameOf(ByteBuffer whole) {
        ByteBuffer frame = whole.position(HEADROOM).slice().order(ByteOrder.nativeOrder());
        whole.clear();
        return frame;
    }

    /**
     * Makes room for frames of {@code capacity} bytes, for transports whose frames may be larger than a System V
     * message. A larger buffer replaces the old one and its contents are gone; earlier {@link #frame()} views no
     * longer belong to this buffer.
     */
    public void ensureCapacity(int capacity) {
        if (capacity > this.frame.capacity()) {
            this.whole = ByteBuffer.allocateDirect(HEADROOM + capacity).order(ByteOrder.nativeOrder());
            this.frame = frameOf(this.whole);
            this.address = 0;
        }
    }

    /** A buffer for frames of up to {@code capacity} bytes. */
    public static FrameBuffer allocate(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        return new FrameBuffer(capacity);
    }

    /** The frame, in native byte order, starting at index 0. Callers use absolute gets and puts. */
    public ByteBuffer frame() {
        return this.frame;
    }

    /** Bytes the frame can hold. */
    public int capacity() {
        return this.frame.capacity();
    }

    /** Headroom and frame together, for transports: index 0 is the first headroom byte. */
    public ByteBuffer whole() {
        return this.whole;
    }

    /**
     * For native transports: the address of the headroom's first byte, resolved by {@code resolver} on first use
     * and kept, so later calls cost nothing.
     */
    public long address(ToLongFunction<ByteBuffer> resolver) {
        long resolved = this.address;
        if (resolved == 0) {
            resolved = resolver.applyAsLong(this.whole);
            this.address = resolved;
        }
        return resolved;
    }
}
