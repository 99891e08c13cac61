package io.github.swooletask.transport;

import java.time.Duration;

/**
 * Where the reply to one task goes when another program asked for it: a queue that program owns, checked by the
 * transport before the task runs. Used by one worker thread for one task.
 */
public interface ReplyTarget {

    /** Whether the program waiting for the reply runs as this process's user, so a spilled reply may stay private. */
    boolean sameUser();

    /** The group of the reply queue, to share a spilled reply with when the waiting program is another user. */
    int groupId();

    /**
     * Sends a reply frame (the first {@code length} bytes of the buffer's frame) with the message type the task
     * asked for, waiting up to {@code timeout} for room.
     * @return false when the reply queue stayed full or is gone (the waiting program stopped)
     */
    boolean send(FrameBuffer buffer, int length, Duration timeout);
}
