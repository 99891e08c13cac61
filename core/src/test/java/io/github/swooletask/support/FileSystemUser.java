package io.github.swooletask.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Arrays;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;

/**
 * Lets a test thread of a JVM running as root touch files as another user: Linux's file system uid and gid are per
 * thread ({@code setfsuid}/{@code setfsgid}), and changing them from 0 drops the thread's file capabilities, so the
 * kernel applies that user's permissions, the sticky bit and {@code fs.protected_hardlinks} to what the thread does,
 * while the rest of the JVM stays root. Tests of what a local user can do against the application use it.
 */
public final class FileSystemUser {

    /** The two calls. */
    public interface LibC {
        int setfsuid(int uid);

        int setfsgid(int gid);

        int renameat2(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);
    }

    private static final int AT_FDCWD = -100;

    private static final int RENAME_EXCHANGE = 2;

    private static final LibC LIBC = LibraryLoader.create(LibC.class)
        .load(Platform.getNativePlatform().getStandardCLibraryName());

    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    /** A file operation. */
    @FunctionalInterface
    public interface FileAction {
        void run() throws IOException;
    }

    private FileSystemUser() {
    }

    /** From now on the calling thread's file operations are those of {@code uid}/{@code gid}. */
    public static void become(int uid, int gid) {
        LIBC.setfsgid(gid);
        LIBC.setfsuid(uid);
    }

    /**
     * Swaps two names atomically ({@code renameat2} with {@code RENAME_EXCHANGE}), with the calling thread's rights.
     * @throws IOException with the errno when the kernel refuses
     */
    public static void exchange(Path a, Path b) throws IOException {
        if (LIBC.renameat2(AT_FDCWD, cString(a), AT_FDCWD, cString(b), RENAME_EXCHANGE) != 0) {
            throw new FileSystemException(a.toString(), b.toString(), "renameat2 failed, errno "
                    + RUNTIME.getLastError());
        }
    }

    private static byte[] cString(Path path) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    /** Runs one action with root's file rights, then returns to {@code uid}/{@code gid}. */
    public static void asRoot(int uid, int gid, FileAction action) throws IOException {
        LIBC.setfsuid(0);
        LIBC.setfsgid(0);
        try {
            action.run();
        }
        finally {
            become(uid, gid);
        }
    }
}
