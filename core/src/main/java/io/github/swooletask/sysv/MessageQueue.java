package io.github.swooletask.sysv;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.transport.FrameBuffer;

/**
 * A handle on one System V message queue. Every failure becomes a {@link MessageQueueException} whose message says
 * what happened and what to change; {@code EINTR} is retried and never surfaces. Thread-safe: the handle keeps no
 * per-call state; callers bring their own {@link FrameBuffer}, whose headroom holds the {@code mtype}.
 */
public final class MessageQueue {

    private final int key;

    private final int perms;

    private volatile int id;

    /** Capacity set with {@link #setCapacity}, applied again when the queue is recreated; 0 if never set. */
    private volatile long requestedCapacity;

    /** Told when this private queue gets a new id or ctime, or is removed; null if nobody records it. */
    private volatile @Nullable Watcher watcher;

    private MessageQueue(int key, int perms, int id) {
        this.key = key;
        this.perms = perms;
        this.id = id;
    }

    /** Opens the queue with this key, creating it with {@code perms} if it does not exist. */
    public static MessageQueue open(int key, int perms) {
        if (key == Native.IPC_PRIVATE) {
            throw new IllegalArgumentException("key 0 is IPC_PRIVATE; use createPrivate() for a private queue");
        }
        return new MessageQueue(key, perms, msgget(key, Native.IPC_CREAT | (perms & 0777)));
    }

    /** Opens an existing queue with this key; fails if there is none. */
    public static MessageQueue openExisting(int key) {
        return new MessageQueue(key, 0, msgget(key, 0));
    }

    /** Creates a new private queue (IPC_PRIVATE); callers remove it with {@link #remove()}. */
    public static MessageQueue createPrivate(int perms) {
        return new MessageQueue(Native.IPC_PRIVATE, perms, msgget(Native.IPC_PRIVATE, Native.IPC_CREAT | (perms & 0777)));
    }

    /**
     * {@link #createPrivate(int)}, with {@code watcher} told of the new queue (before this returns) and of every later
     * change: a new id or ctime ({@link #recreate}, {@link #setCapacity}) or its removal.
     */
    static MessageQueue createPrivate(int perms, Watcher watcher) {
        MessageQueue queue = createPrivate(perms);
        try {
            watcher.changed(queue, -1);
        }
        catch (RuntimeException ex) {
            queue.remove();
            throw ex;
        }
        queue.watcher = watcher;
        return queue;
    }

    /** Who records a private queue: told when its id or ctime changed, and when it is removed. */
    interface Watcher {

        /** @param oldId the id it had before, -1 when it was just created */
        void changed(MessageQueue queue, int oldId);

        void removed(MessageQueue queue, int id);
    }

    /**
     * {@code msgctl(IPC_STAT)} of any queue id, for the registry of private queues.
     * @return the filled {@code struct msqid_ds}, or null when there is no such queue or it cannot be read
     */
    static @Nullable ByteBuffer stat(int msqid) {
        ByteBuffer ds = Native.newStatBuffer();
        return (Native.libc().msgctl(msqid, Native.IPC_STAT, Native.address(ds)) == 0) ? ds : null;
    }

    /** Removes any queue id; false when it failed (already gone, or not permitted). */
    static boolean removeId(int msqid) {
        return Native.libc().msgctl(msqid, Native.IPC_RMID, 0L) == 0;
    }

    /** Whether a queue with this key exists now. */
    public static boolean exists(int key) {
        if (key == Native.IPC_PRIVATE) {
            return false;
        }
        if (Native.libc().msgget(key, 0) >= 0) {
            return true;
        }
        return Native.errno() != Native.ENOENT;
    }

    /** The user id of this process. */
    public static int currentUid() {
        return Native.libc().getuid();
    }

    /** Whether this platform can use System V message queues at all. */
    public static boolean isSupported() {
        return Native.available();
    }

    /** The queue key, 0 for a private queue. */
    public int key() {
        return this.key;
    }

    /** The key as the kernel and {@code ipcs} show it, e.g. {@code 0x70001002}. */
    public String keyHex() {
        return String.format("0x%08x", this.key);
    }

    /** The kernel's queue id ({@code msqid}). */
    public int id() {
        return this.id;
    }

    public boolean isPrivate() {
        return this.key == Native.IPC_PRIVATE;
    }

    /** The pid of this process as the kernel reports it in {@code msg_lspid}/{@code msg_lrpid}. */
    public static int currentPid() {
        return Native.libc().getpid();
    }

    /**
     * Sends {@code length} bytes of the buffer's text with the given {@code mtype}.
     * @param wait block while the queue is full; if false, return false at once instead
     * @return true when queued, false when the queue was full and {@code wait} is false
     */
    public boolean send(FrameBuffer buffer, long mtype, int length, boolean wait) {
        if (mtype < 1) {
            throw new IllegalArgumentException("mtype must be at least 1, was " + mtype);
        }
        buffer.whole().putLong(0, mtype);
        long address = buffer.address(Native::address);
        int flags = wait ? 0 : Native.IPC_NOWAIT;
        Native.LibC libc = Native.libc();
        while (true) {
            int msqid = this.id;
            if (libc.msgsnd(msqid, address, length, flags) == 0) {
                return true;
            }
            int errno = Native.errno();
            if (errno == Native.EINTR) {
                continue;
            }
            if (errno == Native.EAGAIN) {
                return false;
            }
            throw sendFailure(errno, msqid, length);
        }
    }

    /**
     * Receives the first message of type {@code msgtyp} (0 = any) into the buffer. A message longer than the buffer is
     * truncated to its capacity ({@code MSG_NOERROR}) rather than left blocking the head of the queue; callers see
     * that as a length equal to {@link FrameBuffer#capacity()}. The message's type is then {@link #messageType}.
     * @param wait block until a message arrives; if false, return -1 at once when there is none
     * @return the text length, or -1 when {@code wait} is false and no message was waiting
     */
    public int receive(FrameBuffer buffer, long msgtyp, boolean wait) {
        int flags = Native.MSG_NOERROR | (wait ? 0 : Native.IPC_NOWAIT);
        Native.LibC libc = Native.libc();
        long address = buffer.address(Native::address);
        int capacity = buffer.capacity();
        while (true) {
            int msqid = this.id;
            long n = libc.msgrcv(msqid, address, capacity, msgtyp, flags);
            if (n >= 0) {
                return (int) n;
            }
            int errno = Native.errno();
            if (errno == Native.EINTR) {
                continue;
            }
            if (errno == Native.ENOMSG || errno == Native.EAGAIN) {
                return -1;
            }
            throw receiveFailure(errno, msqid);
        }
    }

    /** The {@code mtype} of the message last received into, or about to be sent from, the buffer. */
    public static long messageType(FrameBuffer buffer) {
        return buffer.whole().getLong(0);
    }

    /** Reads the queue's state with {@code msgctl(IPC_STAT)}. */
    public QueueStats stats() {
        ByteBuffer ds = Native.newStatBuffer();
        int msqid = this.id;
        if (Native.libc().msgctl(msqid, Native.IPC_STAT, Native.address(ds)) != 0) {
            throw ctlFailure(Native.errno(), msqid, "read the state of");
        }
        return new QueueStats(ds.getLong(Native.MSQID_QNUM), ds.getLong(Native.MSQID_CBYTES),
                ds.getLong(Native.MSQID_QBYTES), ds.getInt(Native.MSQID_LSPID), ds.getInt(Native.MSQID_LRPID),
                ds.getInt(Native.MSQID_UID), ds.getInt(Native.MSQID_CUID), ds.getShort(Native.MSQID_MODE) & 0777,
                ds.getInt(Native.MSQID_GID), ds.getInt(Native.MSQID_CGID));
    }

    /**
     * Sets the queue's byte capacity ({@code msg_qbytes}) with {@code msgctl(IPC_SET)}. Raising it above
     * {@code kernel.msgmnb} needs {@code CAP_SYS_RESOURCE}.
     */
    public void setCapacity(long bytes) {
        this.requestedCapacity = bytes;
        ByteBuffer ds = Native.newStatBuffer();
        int msqid = this.id;
        long address = Native.address(ds);
        Native.LibC libc = Native.libc();
        if (libc.msgctl(msqid, Native.IPC_STAT, address) != 0) {
            throw ctlFailure(Native.errno(), msqid, "read the state of");
        }
        ds.putLong(Native.MSQID_QBYTES, bytes);
        if (libc.msgctl(msqid, Native.IPC_SET, address) != 0) {
            int errno = Native.errno();
            if (errno == Native.EPERM) {
                throw new MessageQueueException("raising the capacity of queue " + describe(msqid) + " to " + bytes
                        + " bytes needs CAP_SYS_RESOURCE (it is above kernel.msgmnb=" + KernelLimits.read().msgmnb()
                        + "); raise kernel.msgmnb instead: sysctl -w kernel.msgmnb=" + bytes, errno);
            }
            throw ctlFailure(errno, msqid, "set the capacity of");
        }
        Watcher current = this.watcher;
        if (current != null) {
            current.changed(this, msqid);
        }
    }

    /** Removes the queue from the kernel ({@code IPC_RMID}); messages in it are lost. Idempotent. */
    public void remove() {
        int msqid = this.id;
        if (Native.libc().msgctl(msqid, Native.IPC_RMID, 0L) != 0) {
            int errno = Native.errno();
            if (errno != Native.EINVAL && errno != Native.EIDRM) {
                throw ctlFailure(errno, msqid, "remove");
            }
        }
        Watcher current = this.watcher;
        if (current != null) {
            current.removed(this, msqid);
        }
    }

    /** Whether the queue this handle points at still exists. */
    public boolean exists() {
        ByteBuffer ds = Native.newStatBuffer();
        if (Native.libc().msgctl(this.id, Native.IPC_STAT, Native.address(ds)) == 0) {
            return true;
        }
        int errno = Native.errno();
        return !(errno == Native.EINVAL || errno == Native.EIDRM);
    }

    /**
     * Points this handle at a fresh queue after the old one was removed: the same key (created again with the same
     * permissions and capacity) or a new private queue.
     * @return the new queue id
     */
    public synchronized int recreate() {
        int oldId = this.id;
        int flags = Native.IPC_CREAT | (this.perms & 0777);
        this.id = msgget(this.key, flags);
        Watcher current = this.watcher;
        if (current != null) {
            current.changed(this, oldId);
        }
        if (this.requestedCapacity > 0) {
            setCapacity(this.requestedCapacity);
        }
        return this.id;
    }

    private static int msgget(int key, int flags) {
        Native.LibC libc = Native.libc();
        int id = libc.msgget(key, flags);
        if (id >= 0) {
            return id;
        }
        int errno = Native.errno();
        String what = (key == Native.IPC_PRIVATE) ? "a private message queue" : String.format("message queue key 0x%08x", key);
        switch (errno) {
            case Native.EACCES:
                throw new MessageQueueException("permission denied opening " + what + ": it exists and its owner or"
                        + " mode does not let this user (uid " + uid() + ") read and write it (see `ipcs -q`): it belongs to"
                        + " someone else, or was created with other permissions", errno);
            case Native.ENOENT:
                throw new MessageQueueException(what + " does not exist", errno);
            case Native.ENOSPC:
                throw new MessageQueueException("cannot create " + what + ": the system already has kernel.msgmni ("
                        + KernelLimits.read().msgmni() + ") message queues; remove leaked ones (`ipcs -q`, then"
                        + " `ipcrm -q ID`) or raise kernel.msgmni", errno);
            case Native.ENOMEM:
                throw new MessageQueueException("cannot create " + what + ": the kernel is out of memory", errno);
            case Native.EEXIST:
                throw new MessageQueueException(what + " exists already", errno);
            default:
                throw new MessageQueueException("msgget for " + what + " failed with errno " + errno, errno);
        }
    }

    private RuntimeException sendFailure(int errno, int msqid, int length) {
        switch (errno) {
            case Native.EIDRM:
                return removed(errno, msqid);
            case Native.EACCES:
                return new MessageQueueException("permission denied sending to queue " + describe(msqid)
                        + ": this user (uid " + uid() + ") lacks write permission; check its owner and mode with"
                        + " `ipcs -q`", errno);
            case Native.EINVAL: {
                long msgmax = KernelLimits.read().msgmax();
                if (msgmax > 0 && length > msgmax) {
                    return new MessageQueueException("message of " + length + " bytes is larger than kernel.msgmax ("
                            + msgmax + "); keep messages within it or raise kernel.msgmax", errno);
                }
                return removed(errno, msqid);
            }
            case Native.ENOMEM:
                return new MessageQueueException("the kernel is out of memory for queue " + describe(msqid), errno);
            default:
                return new MessageQueueException("msgsnd to queue " + describe(msqid) + " failed with errno " + errno,
                        errno);
        }
    }

    private RuntimeException receiveFailure(int errno, int msqid) {
        switch (errno) {
            case Native.EIDRM:
            case Native.EINVAL:
                return removed(errno, msqid);
            case Native.EACCES:
                return new MessageQueueException("permission denied receiving from queue " + describe(msqid)
                        + ": this user (uid " + uid() + ") lacks read permission; check its owner and mode with"
                        + " `ipcs -q`", errno);
            default:
                return new MessageQueueException("msgrcv from queue " + describe(msqid) + " failed with errno "
                        + errno, errno);
        }
    }

    private MessageQueueException ctlFailure(int errno, int msqid, String action) {
        if (errno == Native.EIDRM || errno == Native.EINVAL) {
            return removed(errno, msqid);
        }
        if (errno == Native.EACCES || errno == Native.EPERM) {
            return new MessageQueueException("permission denied: cannot " + action + " queue " + describe(msqid)
                    + " as uid " + uid() + "; only its owner, creator or root may", errno);
        }
        return new MessageQueueException("msgctl could not " + action + " queue " + describe(msqid) + ", errno "
                + errno, errno);
    }

    private QueueRemovedException removed(int errno, int msqid) {
        return new QueueRemovedException("queue " + describe(msqid) + " was removed (errno " + errno
                + ", e.g. by `ipcrm`) while in use", errno, msqid);
    }

    private String describe(int msqid) {
        return isPrivate() ? "id " + msqid + " (private)" : "id " + msqid + " (key " + keyHex() + ")";
    }

    private static String uid() {
        return Native.available() ? Integer.toString(currentUid()) : System.getProperty("user.name");
    }

    @Override
    public String toString() {
        return "MessageQueue[" + describe(this.id) + "]";
    }
}
