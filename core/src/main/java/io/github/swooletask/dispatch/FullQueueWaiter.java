package io.github.swooletask.dispatch;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskTransport;

/**
 * Applies the {@link FullQueuePolicy} to a frame the queue had no room for: waits for room up to the dispatch
 * timeout ({@link FullQueuePolicy#BLOCK}) or gives up at once ({@link FullQueuePolicy#FAIL}), and describes a full
 * queue in a {@link QueueFullException}. Thread-safe.
 */
final class FullQueueWaiter {

    /** Between tries to queue into a full queue: spin, then yield, then park 10 us doubling to 100 us. */
    private static final IdleStrategy IDLE = new BackoffIdleStrategy(64, 64, Duration.ofNanos(10_000),
            Duration.ofNanos(100_000));

    private final TaskTransport transport;

    private final FullQueuePolicy policy;

    private final long timeoutNanos;

    private final BooleanSupplier closing;

    /**
     * @param closing turns true when the dispatcher closes: every wait gives up then
     */
    FullQueueWaiter(TaskTransport transport, FullQueuePolicy policy, Duration timeout, BooleanSupplier closing) {
        this.transport = transport;
        this.policy = policy;
        this.timeoutNanos = timeout.toNanos();
        this.closing = closing;
    }

    /** How long a dispatch may wait for room, in nanoseconds. */
    long timeoutNanos() {
        return this.timeoutNanos;
    }

    /**
     * Tries the frame again until it is queued, as the policy allows.
     * @throws QueueFullException when no room came
     */
    void sendOrFail(FrameBuffer buffer, int length, int target) {
        if (this.policy == FullQueuePolicy.BLOCK
                && retry(this.transport, buffer, length, target, this.timeoutNanos, this.closing)) {
            return;
        }
        throw full();
    }

    /**
     * Sends a frame the queue just had no room for again, idling between tries ({@link #IDLE}), for up to
     * {@code timeoutNanos} from now or until {@code giveUp} says so.
     * @return whether it was sent
     */
    static boolean retry(TaskTransport transport, FrameBuffer buffer, int length, int target, long timeoutNanos,
            BooleanSupplier giveUp) {
        long deadline = System.nanoTime() + timeoutNanos;
        int attempt = 0;
        while (System.nanoTime() - deadline < 0 && !giveUp.getAsBoolean()) {
            IDLE.idle(attempt++);
            if (transport.send(buffer, length, target, false)) {
                return true;
            }
        }
        return false;
    }

    /** The exception for a task that found no room, with the queue's state as the kernel tells it now. */
    QueueFullException full() {
        boolean closing = this.closing.getAsBoolean();
        IpcMode mode = this.transport.mode();
        StringBuilder message = new StringBuilder("task queue is full");
        try {
            QueueStatus status = this.transport.status();
            message.append(": ").append(status.depth()).append(" tasks, ").append(status.bytes()).append(" of ")
                .append(status.capacity()).append(" bytes");
        }
        catch (RuntimeException ex) {
            // the status is a courtesy
        }
        if (closing) {
            message.append(", and the dispatcher is closing");
            return new QueueFullException(message.toString(), mode, null, true);
        }
        Duration waited = null;
        if (this.policy == FullQueuePolicy.BLOCK) {
            waited = Duration.ofNanos(this.timeoutNanos);
            message.append(", and no room came within ").append(waited.toMillis()).append(" ms");
        }
        message.append(". The workers are behind: add workers or raise the queue's capacity");
        message.append((mode == IpcMode.UNIX_SOCKET) ? " (the socket's in-memory buffer)"
                : " (msg_qbytes, whose default is kernel.msgmnb; a queue keeps the capacity it was created with)");
        return new QueueFullException(message.toString(), mode, waited, false);
    }
}
