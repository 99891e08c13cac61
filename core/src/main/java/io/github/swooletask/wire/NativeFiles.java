package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import org.jspecify.annotations.Nullable;

/**
 * The file calls of libc that spill files need and Java lacks, bound with jnr-ffi: open a name relative to a directory
 * descriptor with {@code O_NOFOLLOW|O_NONBLOCK}, {@code fstat}, {@code read}, {@code fchown}/{@code fchmod} and
 * {@code unlinkat} on what was opened, so that what is checked is what is read. The second of the project's two native
 * classes (the other is {@code sysv.Native}, the message queue calls): spill files belong to the wire format, which
 * knows nothing of System V queues and is used by every transport, mode 1 on any platform included. Nothing outside
 * this class sees a jnr-ffi type; callers get plain {@code int}s (a descriptor, or minus an errno) and
 * {@link FileStatus} records. Linux on x86-64 and ARM64 only; elsewhere {@link #available()} is false.
 */
final class NativeFiles {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int ELOOP = 40;

    private static final int O_RDONLY = 0;
    private static final int O_NOCTTY = 0400;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_PATH = 010000000;

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    /** {@code sizeof(struct stat)}, rounded up to cover both layouts. */
    private static final int STAT_SIZE = 256;

    private static final int READ_CHUNK = 64 * 1024;

    /** The libc functions we call. */
    public interface LibC {
        int open(@In byte[] path, int flags, int mode);

        int openat(int dirfd, @In byte[] path, int flags, int mode);

        int fstat(int fd, @size_t long buf);

        int __fxstat(int version, int fd, @size_t long buf);

        @ssize_t long read(int fd, @size_t long buf, @size_t long count);

        int fchown(int fd, int owner, int group);

        int fchmod(int fd, int mode);

        int unlinkat(int dirfd, @In byte[] path, int flags);

        int close(int fd);

        int geteuid();
    }

    /** Where {@code struct stat} keeps what we read, and the flags that differ between the two ABIs. */
    private record Abi(int oDirectory, int oNoFollow, int statVersion, int dev, int ino, int nlink, boolean nlink64,
            int mode, int uid, int gid, int size) {
    }

    private static final Abi X86_64 = new Abi(0200000, 0400000, 1, 0, 8, 16, true, 24, 28, 32, 48);

    private static final Abi AARCH64 = new Abi(040000, 0100000, 0, 0, 8, 20, false, 16, 24, 28, 48);

    private static final @Nullable LibC LIBC;

    private static final @Nullable Runtime RUNTIME;

    private static final @Nullable Abi ABI;

    private static final @Nullable String UNAVAILABLE;

    /** Whether libc exports {@code fstat} (glibc 2.33 and later) or only {@code __fxstat}. */
    private static final boolean HAS_FSTAT;

    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal
        .withInitial(() -> ByteBuffer.allocateDirect(READ_CHUNK).order(ByteOrder.nativeOrder()));

    private static final ThreadLocal<ByteBuffer> STAT_BUFFERS = ThreadLocal
        .withInitial(() -> ByteBuffer.allocateDirect(STAT_SIZE).order(ByteOrder.nativeOrder()));

    static {
        Platform platform = Platform.getNativePlatform();
        LibC libc = null;
        Runtime runtime = null;
        Abi abi = null;
        String unavailable = null;
        boolean hasFstat = false;
        if (platform.getOS() != Platform.OS.LINUX) {
            unavailable = "descriptor-based spill file checks need Linux, this is " + platform.getOS();
        }
        else if (platform.getCPU() != Platform.CPU.X86_64 && platform.getCPU() != Platform.CPU.AARCH64) {
            unavailable = "descriptor-based spill file checks need x86-64 or ARM64, this is " + platform.getCPU();
        }
        else {
            try {
                libc = LibraryLoader.create(LibC.class).load(platform.getStandardCLibraryName());
                runtime = Runtime.getRuntime(libc);
                abi = (platform.getCPU() == Platform.CPU.X86_64) ? X86_64 : AARCH64;
                hasFstat = probeFstat(libc);
            }
            catch (Throwable ex) {
                libc = null;
                unavailable = "could not load the C library for spill file checks: " + ex;
            }
        }
        LIBC = libc;
        RUNTIME = runtime;
        ABI = abi;
        UNAVAILABLE = unavailable;
        HAS_FSTAT = hasFstat;
    }

    private NativeFiles() {
    }

    private static boolean probeFstat(LibC libc) {
        try {
            libc.fstat(-1, 0L);
            return true;
        }
        catch (UnsatisfiedLinkError ex) {
            return false;
        }
    }

    /** What {@code fstat} says of a descriptor. */
    record FileStatus(long device, long inode, long links, int mode, int uid, int gid, long size) {

        boolean isRegularFile() {
            return (this.mode & S_IFMT) == S_IFREG;
        }

        boolean isSameFile(FileStatus other) {
            return this.device == other.device && this.inode == other.inode;
        }

        /** The kind of file, for messages: "a directory", "a FIFO", ... */
        String kind() {
            return switch (this.mode & S_IFMT) {
                case S_IFREG -> "a regular file";
                case S_IFDIR -> "a directory";
                case S_IFLNK -> "a symbolic link";
                case S_IFIFO -> "a FIFO";
                case S_IFSOCK -> "a socket";
                case S_IFCHR -> "a character device";
                case S_IFBLK -> "a block device";
                default -> String.format("a file of type 0%o", this.mode & S_IFMT);
            };
        }
    }

    static boolean available() {
        return LIBC != null;
    }

    /** Why {@link #available()} is false, or null. */
    static @Nullable String unavailableReason() {
        return UNAVAILABLE;
    }

    private static LibC libc() {
        LibC libc = LIBC;
        if (libc == null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        return libc;
    }

    private static Abi abi() {
        Abi abi = ABI;
        if (abi == null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        return abi;
    }

    private static int errno() {
        Runtime runtime = RUNTIME;
        return (runtime == null) ? 0 : runtime.getLastError();
    }

    /** The effective user id of this process. */
    static int geteuid() {
        return libc().geteuid();
    }

    /**
     * Opens a directory to open names in, not following a symbolic link as its last component.
     * @return the descriptor, or minus the errno
     */
    static int openDirectory(String path) {
        int flags = O_RDONLY | abi().oDirectory() | abi().oNoFollow() | O_CLOEXEC;
        return retry(() -> libc().open(cString(path), flags, 0));
    }

    /**
     * Opens {@code name} in directory {@code dirfd} for reading without following a symbolic link, without blocking
     * on a FIFO and without becoming a controlling terminal.
     * @return the descriptor, or minus the errno ({@link #ELOOP} for a symbolic link)
     */
    static int openForReading(int dirfd, String name) {
        int flags = O_RDONLY | abi().oNoFollow() | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        return retry(() -> libc().openat(dirfd, cString(name), flags, 0));
    }

    /**
     * Opens {@code name} in directory {@code dirfd} as a reference only ({@code O_PATH}): the file is not opened for
     * I/O, whatever it is, but can be {@link #fstat}ed.
     * @return the descriptor, or minus the errno
     */
    static int openReference(int dirfd, String name) {
        int flags = O_PATH | abi().oNoFollow() | O_CLOEXEC;
        return retry(() -> libc().openat(dirfd, cString(name), flags, 0));
    }

    /** @return the status, or null when {@code fstat} failed */
    static @Nullable FileStatus fstat(int fd) {
        Abi abi = abi();
        ByteBuffer buf = STAT_BUFFERS.get();
        long address = address(buf);
        int result = HAS_FSTAT ? libc().fstat(fd, address) : libc().__fxstat(abi.statVersion(), fd, address);
        if (result != 0) {
            return null;
        }
        long links = abi.nlink64() ? buf.getLong(abi.nlink()) : (buf.getInt(abi.nlink()) & 0xFFFF_FFFFL);
        return new FileStatus(buf.getLong(abi.dev()), buf.getLong(abi.ino()), links, buf.getInt(abi.mode()),
                buf.getInt(abi.uid()), buf.getInt(abi.gid()), buf.getLong(abi.size()));
    }

    /**
     * Reads from {@code fd} into {@code into} from its start until it is full or the file ends.
     * @return the bytes read, or minus the errno
     */
    static int readFully(int fd, byte[] into) {
        ByteBuffer buf = BUFFERS.get();
        long address = address(buf);
        int done = 0;
        while (done < into.length) {
            int want = Math.min(buf.capacity(), into.length - done);
            long n = libc().read(fd, address, want);
            if (n < 0) {
                int errno = errno();
                if (errno == EINTR) {
                    continue;
                }
                return -errno;
            }
            if (n == 0) {
                break;
            }
            buf.get(0, into, done, (int) n);
            done += (int) n;
        }
        return done;
    }

    /** Changes the group of what {@code fd} refers to; the owner stays. @return 0, or minus the errno */
    static int fchgrp(int fd, int gid) {
        return (libc().fchown(fd, -1, gid) == 0) ? 0 : -errno();
    }

    /** @return 0, or minus the errno */
    static int fchmod(int fd, int mode) {
        return (libc().fchmod(fd, mode) == 0) ? 0 : -errno();
    }

    /** Removes {@code name} from directory {@code dirfd}. @return 0, or minus the errno */
    static int unlinkAt(int dirfd, String name) {
        return (libc().unlinkat(dirfd, cString(name), 0) == 0) ? 0 : -errno();
    }

    static void close(int fd) {
        if (fd >= 0) {
            libc().close(fd);
        }
    }

    /** The errno text of a negative result, e.g. "ELOOP (40)". */
    static String describe(int negativeErrno) {
        int errno = -negativeErrno;
        String name = switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ENXIO -> "ENXIO";
            case EACCES -> "EACCES";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case ELOOP -> "ELOOP";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }

    private interface Call {
        int invoke();
    }

    private static int retry(Call call) {
        while (true) {
            int result = call.invoke();
            if (result >= 0) {
                return result;
            }
            int errno = errno();
            if (errno != EINTR) {
                return -errno;
            }
        }
    }

    private static byte[] cString(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a file name cannot hold a NUL character");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] terminated = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, terminated, 0, bytes.length);
        return terminated;
    }

    private static long address(ByteBuffer direct) {
        return Pointer.wrap(RUNTIME, direct).address() - direct.position();
    }
}
