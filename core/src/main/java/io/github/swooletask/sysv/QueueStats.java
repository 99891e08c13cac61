package io.github.swooletask.sysv;

/**
 * What {@code msgctl(IPC_STAT)} says about a queue.
 *
 * @param messages messages waiting ({@code msg_qnum})
 * @param bytes bytes waiting ({@code msg_cbytes})
 * @param capacity the byte capacity ({@code msg_qbytes})
 * @param lastSenderPid pid of the last {@code msgsnd} ({@code msg_lspid})
 * @param lastReceiverPid pid of the last {@code msgrcv} ({@code msg_lrpid})
 * @param ownerUid owner's user id
 * @param creatorUid creator's user id
 * @param mode permission bits (low 9 bits of {@code msg_perm.mode})
 * @param ownerGid owner's group id
 * @param creatorGid creator's group id
 */
public record QueueStats(long messages, long bytes, long capacity, int lastSenderPid, int lastReceiverPid,
        int ownerUid, int creatorUid, int mode, int ownerGid, int creatorGid) {

    /** The permission bits as an octal string such as {@code 0600}. */
    public String modeOctal() {
        return String.format("0%03o", this.mode);
    }
}
