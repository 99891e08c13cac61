package io.github.swooletask.spring;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.WireFormat;

/**
 * What a handler may want to know about the task it runs; declare a parameter of this type to receive it. Every
 * field is one that every transport can tell.
 *
 * @param taskId the producer's task id (PHP clients count from 1, so ids from different producers may repeat)
 * @param workerId index of the task worker running it, from 0
 * @param flags the frame's flag bits (1 TMPFILE, 2 SERIALIZE, 4 NONBLOCK, 0x100 JSON, 0x200 ROUTED, 0x400 BATCH,
 *     0x800 REPLY, 0x1000 TRACED)
 * @param route the task name it was dispatched with, or null
 * @param source whether this application dispatched it; a hint only (the from id anyone can write), never an
 *     authorisation
 * @param delivery what the transport knows of the message the task came in: {@code mtype} (a {@code Long}) on a
 *     System V queue, nothing on the Unix socket; see the README's "Task context" section
 * @param format the layout the task came in: Swoole 1.7.2's 12-byte header or the 40-byte one of Swoole 4.8+
 */
public record TaskContext(int taskId, int workerId, int flags, @Nullable String route, TaskSource source,
        Map<String, Object> delivery, WireFormat format) {

    /** Whether another program waits for the result (it posted the task with a reply address). */
    public boolean replyWanted() {
        return (this.flags & 0x2000) != 0;
    }

    /** Whether the payload was spilled to a file because it was too large for one message. */
    public boolean spilled() {
        return (this.flags & 1) != 0;
    }
}
