package io.github.swooletask.transport;

import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Carries encoded task frames from dispatchers to workers: a System V message queue ({@code sysv}, modes 2 and 3),
 * a Unix socket ({@code unix}, mode 1) or memory ({@code memory}, for tests). Thread-safe; each worker uses its own
 * {@link TaskReceiver}.
 */
public interface TaskTransport extends AutoCloseable {

    /** The target of a frame that any worker may take. */
    int ANY_WORKER = -1;

    /** The largest frame of the System V and socket transports: Linux's default {@code kernel.msgmax}. */
    int MESSAGE_SIZE = 8192;

    IpcMode mode();

    /** The receiver for worker {@code workerId} (0-based). */
    TaskReceiver receiver(int workerId);

    /**
     * Sends the first {@code length} bytes of the buffer's frame.
     * @param workerId the target worker in mode 2 (0-based), or {@link #ANY_WORKER}; ignored in the other modes
     * @param wait block while the queue is full; if false, return false at once instead
     * @return true when queued
     */
    boolean send(FrameBuffer buffer, int length, int workerId, boolean wait);

    /**
     * Whether a send waits for a round trip to another process over the network (a Redis server), so that a
     * producer waiting for each send would be bound by the round trip, not by the workers. The dispatcher then
     * batches small tasks whatever the backlog and sends a batch with {@link #sendAsync} as soon as the one before
     * it came back (group commit); a host-local transport, whose send costs about a system call, says false and is
     * batched only while its workers lag.
     */
    default boolean sendWaitsForRoundTrip() {
        return false;
    }

    /**
     * Starts sending the first {@code length} bytes of the buffer's frame without waiting for the round trip; the
     * buffer may be reused once this returns. {@code done} is told the outcome once, on a thread of the transport's
     * or on this one: null when the frame was queued, else the failure (the frame was not queued, or may not have
     * been). It must not block nor call this transport's waiting methods. This default sends and tells at once.
     * @param workerId as for {@link #send}
     * @return false, with {@code done} never told, when there is known to be no room now (the caller then sends
     * with {@link #send}, which checks)
     */
    default boolean sendAsync(FrameBuffer buffer, int length, int workerId, Consumer<@Nullable RuntimeException> done) {
        if (!send(buffer, length, workerId, false)) {
            return false;
        }
        done.accept(null);
        return true;
    }

    /**
     * Where the reply to a task goes that another program posted with a reply address ({@code REPLY_TO}): checked
     * before the task runs. A transport that cannot reach other programs' queues refuses every one.
     * @param replyKey the key the task named
     * @param replyMtype the message type the reply gets (at least 1)
     * @throws ReplyRefusedException when no reply may go there
     */
    default ReplyTarget replyTarget(int replyKey, long replyMtype) {
        throw new ReplyRefusedException("the " + mode().label() + " transport cannot reply to other programs; post"
                + " such tasks to a System V queue (ipc-mode 2 or 3)");
    }

    /**
     * The largest frame this transport carries. Up to {@link #MESSAGE_SIZE} (the System V and socket transports), a
     * larger payload travels in a spill file; a transport that reaches other hosts, which share no spill directory,
     * carries payloads inline in larger frames and says how large here.
     */
    default int maxFrameSize() {
        return MESSAGE_SIZE;
    }

    /**
     * Where results travel between processes of this application when the transport reaches other hosts: tasks
     * dispatched here with a reply wanted may run elsewhere. Null for host-local transports, whose replies never
     * leave the JVM that dispatched (or go to another program's queue, see {@link #replyTarget}).
     */
    default @Nullable ResultChannel results() {
        return null;
    }

    /** Facts an operator wants that only this transport knows (for the endpoint); empty when there are none. */
    default Map<String, Object> details() {
        return Map.of();
    }

    /** Releases one receive of worker {@code workerId} that is blocked waiting, with a wake-up frame. */
    void wake(int workerId);

    /**
     * Starts taking frames from other programs, for a transport that listens (mode 1 binds its socket here); called
     * by the worker pool before its workers first start. Idempotent; nothing to do for queues and streams.
     */
    default void listen() {
    }

    /** The queue's state. */
    QueueStatus status();

    /**
     * Removes every waiting frame, telling {@code dropped} of each first (so the spill file it names can be deleted).
     * @return how many were removed
     */
    long purge(DroppedFrames dropped);

    /** Closes the transport; a private queue or the socket file is removed, a keyed queue stays. */
    @Override
    void close();
}
