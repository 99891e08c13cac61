package io.github.swooletask.sysv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The only class that talks to native code: the System V message queue calls of libc, bound with jnr-ffi.
 * Nothing outside this class sees a jnr-ffi type; callers pass plain {@code int}s, {@code long} addresses and
 * direct {@link ByteBuffer}s.
 */
final class Native {

    static final int IPC_PRIVATE = 0;
    static final int IPC_CREAT = 01000;
    static final int IPC_EXCL = 02000;
    static final int IPC_NOWAIT = 04000;
    static final int MSG_NOERROR = 010000;
    static final int IPC_RMID = 0;
    static final int IPC_SET = 1;
    static final int IPC_STAT = 2;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int E2BIG = 7;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int ENOMSG = 42;
    static final int EIDRM = 43;

    /** {@code sizeof(struct msqid_ds)} on 64-bit Linux with glibc. */
    static final int MSQID_DS_SIZE = 120;
    static final int MSQID_KEY = 0;
    static final int MSQID_UID = 4;
    static final int MSQID_GID = 8;
    static final int MSQID_CUID = 12;
    static final int MSQID_CGID = 16;
    static final int MSQID_MODE = 20;
    /** {@code msg_ctime}: the creation time, or that of the last {@code IPC_SET}, in seconds. */
    static final int MSQID_CTIME = 64;
    static final int MSQID_CBYTES = 72;
    static final int MSQID_QNUM = 80;
    static final int MSQID_QBYTES = 88;
    static final int MSQID_LSPID = 96;
    static final int MSQID_LRPID = 100;

    /** The libc functions we call. */
    public interface LibC {
        int msgget(int key, int msgflg);

        int msgsnd(int msqid, @size_t long msgp, @size_t long msgsz, int msgflg);

        @ssize_t long msgrcv(int msqid, @size_t long msgp, @size_t long msgsz, long msgtyp, int msgflg);

        int msgctl(int msqid, int cmd, @size_t long buf);

        int getpid();

        int getuid();
    }

    private static final LibC LIBC;
    private static final Runtime RUNTIME;
    private static final String UNSUPPORTED;

    static {
        Platform platform = Platform.getNativePlatform();
        String unsupported = null;
        LibC libc = null;
        Runtime runtime = null;
        if (platform.getOS() != Platform.OS.LINUX) {
            unsupported = "System V message queues (ipc-mode 2 and 3) are supported on Linux only, this is "
                    + platform.getOS() + "; use ipc-mode 1 (Unix socket) instead";
        }
        else if (platform.getCPU() != Platform.CPU.X86_64 && platform.getCPU() != Platform.CPU.AARCH64) {
            unsupported = "System V message queues (ipc-mode 2 and 3) are supported on 64-bit x86 and ARM only, this is "
                    + platform.getCPU() + "; use ipc-mode 1 (Unix socket) instead";
        }
        else {
            try {
                libc = LibraryLoader.create(LibC.class).load(platform.getStandardCLibraryName());
                runtime = Runtime.getRuntime(libc);
            }
            catch (Throwable ex) {
                unsupported = "could not load the C library to reach System V message queues: " + ex;
            }
        }
        LIBC = libc;
        RUNTIME = runtime;
        UNSUPPORTED = unsupported;
    }

    private Native() {
    }

    static LibC libc() {
        if (LIBC == null) {
            throw new UnsupportedPlatformException(UNSUPPORTED);
        }
        return LIBC;
    }

    static boolean available() {
        return LIBC != null;
    }

    static int errno() {
        return RUNTIME.getLastError();
    }

    /** Native address of a direct buffer's first byte. */
    static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("a native message buffer must be direct");
        }
        libc();
        Pointer pointer = Pointer.wrap(RUNTIME, direct);
        return pointer.address() - direct.position();
    }

    /** A direct buffer the size of {@code struct msqid_ds}, for msgctl to fill or read. */
    static ByteBuffer newStatBuffer() {
        return ByteBuffer.allocateDirect(MSQID_DS_SIZE).order(ByteOrder.nativeOrder());
    }
}
