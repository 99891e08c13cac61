package io.github.swooletask.transport;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What one worker thread receives from; used by that thread only. A worker calls {@link #receive}, handles every
 * task of the frame, then {@link #complete}s it before the next receive. A frame the worker abandons (its thread
 * ended mid-task) is never completed, so a transport that acknowledges (Redis Streams) delivers it again.
 */
public interface TaskReceiver {

    /** What {@link #receive} returns once the transport is closed. */
    int CLOSED = -1;

    /**
     * Blocks until a frame for this worker arrives and copies it into the buffer's frame.
     * @return the frame's length, or {@link #CLOSED}
     */
    int receive(FrameBuffer buffer);

    /**
     * Tells the transport that the frame last received is done with: its handlers returned, its recoverer took it,
     * or it was rejected. Queues and sockets have nothing to do; a transport with acknowledgements acknowledges here.
     */
    default void complete() {
    }

    /**
     * Takes over the completion of the message last received, for a message whose tasks finish on other threads: the
     * receiver goes on as if it were {@linkplain #complete() completed}, and the message is completed when the
     * returned action runs, from any thread, once. Queues and sockets have nothing to complete; a transport whose
     * {@link #complete()} does work overrides this.
     */
    default Runnable detach() {
        return NOTHING_TO_COMPLETE;
    }

    /** The completion of a message that needs none. */
    Runnable NOTHING_TO_COMPLETE = () -> {
    };

    /**
     * Why the message last received holds no frame at all (for example a Redis Streams entry without a
     * {@code frame} field), or null when {@link #receive} delivered one. The worker rejects such a message with
     * this reason and {@linkplain #complete() completes} it.
     */
    default @Nullable String malformed() {
        return null;
    }

    /**
     * What the transport knows of the frame last received, for a handler that asks (for example {@code mtype} on a
     * System V queue); empty when it knows nothing more. Valid until the next receive.
     */
    default Map<String, Object> delivery() {
        return Map.of();
    }

    /**
     * The worker that used this receiver died and a new one with a new receiver takes its place: a transport with a
     * connection per receiver closes it here. What the dead worker had taken and not completed is the transport's to
     * deliver again, as after a crash.
     */
    default void release() {
    }
}
