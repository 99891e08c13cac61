package io.github.swooletask.sysv;

import org.jspecify.annotations.Nullable;

/**
 * The rule a reply queue must pass: everyone who may post to the task queue must be able to write to the reply
 * queue themselves, so nobody can make this application write where they could not. System V queues carry no
 * sender identity, so the rule is judged on permission bits, conservatively: for each class of poster the task
 * queue lets write (other users, its group, its owner and creator), the reply queue must let that class write too.
 * This process's own user and root are not counted: they may write anywhere anyway. Pure; thread-safe.
 */
final class ReplyTargetRule {

    private static final int ALL_WRITE = 0222;

    private ReplyTargetRule() {
    }

    /**
     * @param task the task queue's state
     * @param reply the reply queue's state
     * @param self this process's user id
     * @return null when the reply queue passes, else why it does not
     */
    static @Nullable String check(QueueStats task, QueueStats reply, int self) {
        int taskMode = task.mode();
        int replyMode = reply.mode();
        boolean everyoneWrites = (replyMode & ALL_WRITE) == ALL_WRITE;
        if ((taskMode & 0002) != 0) {
            return everyoneWrites ? null : String.format("the task queue lets every user post (mode %s), but the"
                    + " reply queue (mode %s) is not writable by every user", task.modeOctal(), reply.modeOctal());
        }
        if ((taskMode & 0020) != 0 && !everyoneWrites) {
            boolean sameGroups = inGroups(task.ownerGid(), reply) && inGroups(task.creatorGid(), reply);
            if (!sameGroups || (replyMode & 0220) != 0220) {
                return String.format("the task queue lets group %d post (mode %s), but the reply queue (mode %s,"
                        + " group %d) is not writable by that group", task.ownerGid(), task.modeOctal(),
                        reply.modeOctal(), reply.ownerGid());
            }
        }
        if ((taskMode & 0200) != 0 && !everyoneWrites) {
            for (int uid : new int[] { task.ownerUid(), task.creatorUid() }) {
                if (uid == self || uid == 0) {
                    continue;
                }
                boolean owns = reply.ownerUid() == uid || reply.creatorUid() == uid;
                if (!owns || (replyMode & 0200) == 0) {
                    return String.format("the task queue lets uid %d post, but the reply queue (owner %d, mode %s)"
                            + " is not writable by that user", uid, reply.ownerUid(), reply.modeOctal());
                }
            }
        }
        return null;
    }

    private static boolean inGroups(int gid, QueueStats reply) {
        return reply.ownerGid() == gid || reply.creatorGid() == gid;
    }
}
