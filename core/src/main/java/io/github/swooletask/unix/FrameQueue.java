package io.github.swooletask.unix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * The bounded in-memory buffer between the connection readers and the workers of mode 1. It holds at most
 * {@code capacity} bytes of frames (a single larger frame is taken when it is empty); a reader waits while it is
 * full, so the socket's buffer fills and producers block, as in Swoole's mode 1. Readers enqueue in ticket order, so
 * a large frame is not overtaken forever by small ones. Receives are not interruptible, like a System V
 * {@code msgrcv}. Thread-safe.
 */
final class FrameQueue {

    /** The wake-up frame every {@link #wake} queues; receivers copy it and never change it. */
    private static final byte[] WAKE_FRAME = wakeFrame();

    private final long capacity;

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition notEmpty = this.lock.newCondition();

    private final Condition notFull = this.lock.newCondition();

    /** Queued frames, guarded by {@link #lock}. */
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();

    /** Bytes of the queued frames, guarded by {@link #lock}. */
    private long queuedBytes;

    /** Guarded by {@link #lock}. */
    private long nextTicket;

    /** Guarded by {@link #lock}. */
    private long servingTicket;

    /** Set under {@link #lock} so waiters cannot miss it. */
    private volatile boolean closed;

    FrameQueue(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return this.capacity;
    }

    boolean isClosed() {
        return this.closed;
    }

    /** Blocks for the next frame and copies it into the buffer; {@link TaskReceiver#CLOSED} once closed. */
    int take(FrameBuffer buffer) {
        byte[] frame;
        this.lock.lock();
        try {
            while (this.frames.isEmpty() && !this.closed) {
                this.notEmpty.awaitUninterruptibly();
            }
            if (this.closed) {
                return TaskReceiver.CLOSED;
            }
            frame = this.frames.pollFirst();
            this.queuedBytes -= frame.length;
            this.notFull.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        int length = Math.min(frame.length, buffer.capacity());
        buffer.frame().put(0, frame, 0, length);
        return length;
    }

    /** Queues a frame read from a connection, waiting for room; false when the queue closed meanwhile. */
    boolean put(byte[] frame) {
        this.lock.lock();
        try {
            long ticket = this.nextTicket++;
            while (!this.closed && (ticket != this.servingTicket
                    || (this.queuedBytes > 0 && this.queuedBytes + frame.length > this.capacity))) {
                this.notFull.awaitUninterruptibly();
            }
            if (this.closed) {
                return false;
            }
            this.servingTicket++;
            add(frame);
            this.notFull.signalAll();
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Queues a wake-up frame for one blocked receiver. */
    void wake() {
        this.lock.lock();
        try {
            if (!this.closed) {
                add(WAKE_FRAME);
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    private void add(byte[] frame) {
        this.frames.addLast(frame);
        this.queuedBytes += frame.length;
        this.notEmpty.signal();
    }

    /** Frames and bytes queued now, read together. */
    long[] depthAndBytes() {
        this.lock.lock();
        try {
            return new long[] { this.frames.size(), this.queuedBytes };
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Drops every queued frame, telling {@code dropped} of each; returns how many. */
    long purge(DroppedFrames dropped) {
        this.lock.lock();
        try {
            long removed = this.frames.size();
            for (byte[] frame : this.frames) {
                dropped.dropped(ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder()), frame.length);
            }
            this.frames.clear();
            this.queuedBytes = 0;
            this.notFull.signalAll();
            return removed;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Closes the queue: blocked receivers return {@link TaskReceiver#CLOSED}, blocked readers give up.
     * @return how many task frames (wake-ups not counted) were still queued and are dropped
     */
    int close() {
        this.lock.lock();
        try {
            this.closed = true;
            int dropped = 0;
            for (byte[] frame : this.frames) {
                if (frame != WAKE_FRAME) {
                    dropped++;
                }
            }
            this.frames.clear();
            this.queuedBytes = 0;
            this.notEmpty.signalAll();
            this.notFull.signalAll();
            return dropped;
        }
        finally {
            this.lock.unlock();
        }
    }

    private static byte[] wakeFrame() {
        ByteBuffer buffer = ByteBuffer.allocate(TaskFrame.HEADER_SIZE).order(ByteOrder.nativeOrder());
        int length = FrameEncoder.encodeWake(buffer);
        byte[] frame = new byte[length];
        buffer.get(0, frame);
        return frame;
    }
}
