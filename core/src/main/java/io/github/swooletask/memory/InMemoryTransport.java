package io.github.swooletask.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * A transport in memory, for tests where the kernel is not the point: frames are copied into a queue of at most
 * {@code capacity} bytes (full like a System V queue: a send without wait returns false), one queue per worker in
 * ipc-mode 2 and one shared queue otherwise. {@link #sent()} keeps a copy of every frame sent, for assertions.
 * Thread-safe.
 */
public final class InMemoryTransport implements TaskTransport {

    private final IpcMode mode;

    private final long capacity;

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition changed = this.lock.newCondition();

    private final ArrayDeque<byte[]>[] queues;

    private final List<byte[]> sent = new ArrayList<>();

    private long bytes;

    private int depth;

    private boolean closed;

    /**
     * @param mode which semantics to follow: per-worker queues in mode 2, one shared queue otherwise
     * @param workers how many workers will receive (the number of queues in mode 2)
     * @param capacity most bytes of frames held before sends find the queue full
     */
    @SuppressWarnings("unchecked")
    public InMemoryTransport(IpcMode mode, int workers, long capacity) {
        if (workers < 1 || capacity < TaskFrame.HEADER_SIZE) {
            throw new IllegalArgumentException("needs at least one worker and room for one frame");
        }
        this.mode = mode;
        this.capacity = capacity;
        this.queues = new ArrayDeque[(mode == IpcMode.MSGQUEUE) ? workers : 1];
        for (int i = 0; i < this.queues.length; i++) {
            this.queues[i] = new ArrayDeque<>();
        }
    }

    /** Mode 3 semantics with room for a large backlog. */
    public static InMemoryTransport preemptive(int workers) {
        return new InMemoryTransport(IpcMode.MSGQUEUE_PREEMPTIVE, workers, 64L * 1024 * 1024);
    }

    @Override
    public IpcMode mode() {
        return this.mode;
    }

    @Override
    public TaskReceiver receiver(int workerId) {
        ArrayDeque<byte[]> queue = queueOf(workerId);
        return (buffer) -> take(queue, buffer);
    }

    @Override
    public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
        byte[] frame = new byte[length];
        buffer.frame().get(0, frame);
        return put(queueOf(workerId), frame, wait, true);
    }

    /** Puts a frame as another program would, whatever bytes it holds; the frame is not kept in {@link #sent()}. */
    public void post(int workerId, byte[] frame) {
        put(queueOf(workerId), frame.clone(), true, false);
    }

    @Override
    public void wake(int workerId) {
        byte[] frame = new byte[TaskFrame.HEADER_SIZE];
        FrameEncoder.encodeWake(ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder()));
        put(queueOf(workerId), frame, false, false);
    }

    @Override
    public QueueStatus status() {
        this.lock.lock();
        try {
            return new QueueStatus(this.mode, "memory", -1, "0600", this.depth, this.bytes, this.capacity, 0, 0);
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public long purge(DroppedFrames dropped) {
        this.lock.lock();
        try {
            long removed = this.depth;
            for (ArrayDeque<byte[]> queue : this.queues) {
                for (byte[] frame : queue) {
                    dropped.dropped(ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder()), frame.length);
                }
                queue.clear();
            }
            this.depth = 0;
            this.bytes = 0;
            this.changed.signalAll();
            return removed;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Copies of every frame sent through {@link #send}, in order. */
    public List<byte[]> sent() {
        this.lock.lock();
        try {
            return List.copyOf(this.sent);
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void close() {
        this.lock.lock();
        try {
            this.closed = true;
            this.changed.signalAll();
        }
        finally {
            this.lock.unlock();
        }
    }

    private ArrayDeque<byte[]> queueOf(int workerId) {
        return this.queues[(this.mode == IpcMode.MSGQUEUE) ? Math.max(workerId, 0) : 0];
    }

    private boolean put(ArrayDeque<byte[]> queue, byte[] frame, boolean wait, boolean record) {
        this.lock.lock();
        try {
            while (!this.closed && this.bytes + frame.length > this.capacity) {
                if (!wait) {
                    return false;
                }
                this.changed.awaitUninterruptibly();
            }
            if (this.closed) {
                throw new IllegalStateException("the in-memory transport is closed");
            }
            queue.addLast(frame);
            this.depth++;
            this.bytes += frame.length;
            if (record) {
                this.sent.add(frame);
            }
            this.changed.signalAll();
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    private int take(ArrayDeque<byte[]> queue, FrameBuffer buffer) {
        byte[] frame;
        this.lock.lock();
        try {
            while (queue.isEmpty() && !this.closed) {
                this.changed.awaitUninterruptibly();
            }
            if (this.closed) {
                return TaskReceiver.CLOSED;
            }
            frame = queue.pollFirst();
            this.depth--;
            this.bytes -= frame.length;
            this.changed.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        int length = Math.min(frame.length, buffer.capacity());
        buffer.frame().put(0, frame, 0, length);
        return length;
    }
}
