package io.github.swooletask.transport;

import java.nio.ByteBuffer;

/**
 * Told of each frame a transport drops unread (a purge), before it is gone: a frame that names a spill file leaves
 * that file to whoever is told, since no worker will read and delete it.
 */
@FunctionalInterface
public interface DroppedFrames {

    /** For frames that name no spill file (a transport whose data is always inline, a test). */
    DroppedFrames NONE = (frame, length) -> { };

    /**
     * @param frame the frame from position 0
     * @param length its length in bytes
     */
    void dropped(ByteBuffer frame, int length);
}
