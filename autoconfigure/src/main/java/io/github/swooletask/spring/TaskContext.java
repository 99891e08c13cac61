package io.github.swooletask.spring;

/**
 * What a handler may want to know about the task it runs; declare a parameter of this type to receive it.
 *
 * @param taskId the producer's task id (PHP clients count from 1, so ids from different producers may repeat)
 * @param workerId index of the task worker running it, from 0
 * @param flags the frame's flag bits (1 TMPFILE, 2 SERIALIZE, 4 NONBLOCK, 0x100 JSON, 0x200 ROUTED, 0x400 BATCH,
 *     0x800 REPLY, 0x1000 TRACED)
 * @param route the task name it was dispatched with, or null
 * @param mtype the System V message type it arrived with (0 in ipc-mode 1)
 * @param source whether this application dispatched it
 */
public record TaskContext(int taskId, int workerId, int flags, String route, long mtype, TaskSource source) {

    /** Whether the payload was spilled to a file because it was too large for one message. */
    public boolean spilled() {
        return (this.flags & 1) != 0;
    }
}
