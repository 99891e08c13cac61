package io.github.swooletask.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.log.LogSafe;

/**
 * Spill files: payloads too large for one message travel in a file in {@code tmpdir}. Writing makes a new
 * {@code swoole.task*} file with mode 0600 in one exclusive create. Reading accepts only a {@code swoole.task*} name
 * directly inside {@code tmpdir} (after resolving {@code ..} and symlinks in the directory), and, on Linux, opens it
 * once, relative to a descriptor of {@code tmpdir}, with {@code O_NOFOLLOW|O_NONBLOCK}: the checks are made with
 * {@code fstat} on that descriptor and the data is read from it, so a file swapped in after the checks is never what
 * is read, a symbolic link is refused by the kernel, and a FIFO never blocks a worker. The opened file must be a
 * regular file with exactly one link, the declared size, and an owner this application trusts: its own effective
 * user, or one of the trusted producer uids ({@code swoole.task.trusted-producer-uids}). Only then is the name
 * unlinked, and only while it still names the file that was read. A file that breaks a rule is rejected and neither
 * read nor deleted. Elsewhere than Linux on x86-64/ARM64 the same rules are checked by path before the file is opened
 * (two steps: see the README's known limits). Thread-safe.
 */
public final class SpillFiles {

    /** Name prefix of every spill file, as Swoole and its PHP client make them. */
    public static final String PREFIX = "swoole.task";

    private static final SecureRandom NAMES = new SecureRandom();

    private final Path tmpdir;

    private final long maxPayload;

    /** This process's effective uid, -1 when unknown. */
    private final int ownUid;

    /** Owners whose spill files are read besides this process's own user, sorted. */
    private final int[] trustedUids;

    /**
     * Spill files that only this application's own user may have written.
     * @param tmpdir the only directory spill files may live in; it must exist
     * @param maxPayload largest spilled payload accepted, in bytes
     */
    public SpillFiles(Path tmpdir, long maxPayload) {
        this(tmpdir, maxPayload, Set.of());
    }

    /**
     * @param tmpdir the only directory spill files may live in; it must exist
     * @param maxPayload largest spilled payload accepted, in bytes
     * @param trustedProducerUids the uids of other users whose spill files are read too (producers running as
     * another user); empty: only files of this process's effective user
     */
    public SpillFiles(Path tmpdir, long maxPayload, Collection<Integer> trustedProducerUids) {
        try {
            this.tmpdir = tmpdir.toRealPath();
        }
        catch (IOException ex) {
            throw new SpillDirectoryException(tmpdir, "spill directory " + tmpdir
                    + " does not exist or cannot be read: " + ex.getMessage(), ex);
        }
        if (!Files.isDirectory(this.tmpdir)) {
            throw new SpillDirectoryException(tmpdir, "spill directory " + tmpdir + " is not a directory");
        }
        // the spill body carries the path as UTF-8 bytes, so count bytes, not chars
        int longest = this.tmpdir.toString().getBytes(StandardCharsets.UTF_8).length + 1
                + PREFIX.length() + 20;
        if (longest > TaskFrame.MAX_SPILL_PATH) {
            throw new SpillDirectoryException(tmpdir, "spill directory " + this.tmpdir + " is too long:"
                    + " spill paths must fit in " + TaskFrame.MAX_SPILL_PATH + " bytes; choose a shorter directory");
        }
        if (maxPayload <= 0 || maxPayload > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxPayload must be between 1 and " + (Integer.MAX_VALUE - 8));
        }
        for (Integer uid : trustedProducerUids) {
            if (uid == null || uid < 0) {
                throw new IllegalArgumentException("trusted producer uids must be 0 or more, got " + uid);
            }
        }
        this.maxPayload = maxPayload;
        this.ownUid = ownUid();
        this.trustedUids = trustedProducerUids.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
    }

    /** The resolved spill directory. */
    public Path directory() {
        return this.tmpdir;
    }

    public long maxPayload() {
        return this.maxPayload;
    }

    /**
     * The uids of other users whose spill files are read besides this process's own, sorted; empty by default.
     */
    public List<Integer> trustedProducerUids() {
        return Arrays.stream(this.trustedUids).boxed().toList();
    }

    /**
     * Writes the given parts, in order, to a new spill file and returns its absolute path. The file is created and
     * written through one descriptor (an exclusive create: nothing that was at the name, a symbolic link included,
     * is followed or overwritten).
     */
    public String write(ByteBuffer... parts) {
        FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions
            .asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        Set<OpenOption> create = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        for (int attempt = 0;; attempt++) {
            Path file = this.tmpdir.resolve(PREFIX + Long.toUnsignedString(NAMES.nextLong(), 36));
            SeekableByteChannel channel;
            try {
                channel = Files.newByteChannel(file, create, ownerOnly);
            }
            catch (FileAlreadyExistsException ex) {
                if (attempt < 100) {
                    continue;
                }
                throw new UncheckedSpillException("cannot write a spill file in " + this.tmpdir + ": 100 random names"
                        + " were all taken", ex);
            }
            catch (IOException ex) {
                throw new UncheckedSpillException("cannot write a spill file in " + this.tmpdir + ": "
                        + ex.getMessage(), ex);
            }
            try (channel) {
                for (ByteBuffer part : parts) {
                    ByteBuffer view = part.duplicate();
                    while (view.hasRemaining()) {
                        channel.write(view);
                    }
                }
            }
            catch (IOException ex) {
                deleteQuietly(file);
                throw new UncheckedSpillException("cannot write a spill file in " + this.tmpdir + ": "
                        + ex.getMessage(), ex);
            }
            return file.toString();
        }
    }

    /**
     * Reads and deletes the spill file a message names.
     * @param pathText the path from the message
     * @param declaredLength the payload length the message declares
     */
    public byte[] readAndDelete(String pathText, int declaredLength) throws FrameRejectedException {
        Path file = checkedPath(pathText);
        if (declaredLength < 0 || declaredLength > this.maxPayload) {
            throw new FrameRejectedException(RejectReason.OVERSIZE, "spilled payload of " + declaredLength
                    + " bytes is over the limit of " + this.maxPayload + " (the largest payload accepted)");
        }
        if (NativeFiles.available()) {
            return readThroughDescriptor(file, declaredLength);
        }
        return readByPath(file, declaredLength);
    }

    /** Opens once, checks what was opened, reads it, and unlinks the name only while it names what was read. */
    private byte[] readThroughDescriptor(Path file, int declaredLength) throws FrameRejectedException {
        String name = String.valueOf(file.getFileName());
        int dir = NativeFiles.openDirectory(this.tmpdir.toString());
        if (dir < 0) {
            throw new FrameRejectedException(RejectReason.SPILL_MISSING, "spill directory " + this.tmpdir
                    + " cannot be opened: " + NativeFiles.describe(dir));
        }
        try {
            int fd = NativeFiles.openForReading(dir, name);
            if (fd < 0) {
                throw openFailure(file, fd);
            }
            NativeFiles.FileStatus status;
            byte[] data = new byte[declaredLength];
            try {
                status = NativeFiles.fstat(fd);
                if (status == null) {
                    throw new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file
                            + " cannot be examined (fstat failed)");
                }
                check(file, status.isRegularFile(), status.kind(), status.links(), status.uid(), status.size(),
                        declaredLength);
                if (!stillNames(dir, name, status)) {
                    // its other link was removed after the open, or it was swapped: not the file the checks were for
                    throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill file " + file
                            + " was replaced while it was being opened");
                }
                int read = NativeFiles.readFully(fd, data);
                if (read < 0) {
                    throw new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file
                            + " cannot be read: " + NativeFiles.describe(read));
                }
                if (read < declaredLength) {
                    throw new FrameRejectedException(RejectReason.SPILL_SIZE, "spill file " + file + " ended after "
                            + read + " of " + declaredLength + " bytes");
                }
            }
            finally {
                NativeFiles.close(fd);
            }
            unlinkIfStill(dir, name, status);
            return data;
        }
        finally {
            NativeFiles.close(dir);
        }
    }

    private static FrameRejectedException openFailure(Path file, int negativeErrno) {
        return switch (-negativeErrno) {
            case NativeFiles.ENOENT -> new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file
                    + " does not exist");
            case NativeFiles.ELOOP -> new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + file
                    + " is a symbolic link");
            default -> new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file
                    + " cannot be opened: " + NativeFiles.describe(negativeErrno));
        };
    }

    /**
     * Unlinks {@code name} if it still names the file that was read (same device and inode). What remains: between
     * that comparison and the unlink, whoever may replace the name (in a sticky {@code /tmp} only the file's owner,
     * that is the producer, or root) could put another file there, which is unlinked instead; that is a name they
     * could remove themselves, and never the file's other links or contents elsewhere.
     */
    private static void unlinkIfStill(int dir, String name, NativeFiles.FileStatus read) {
        if (stillNames(dir, name, read)) {
            // a failure leaves the file to the sweeper
            NativeFiles.unlinkAt(dir, name);
        }
    }

    /** Whether {@code name} in {@code dir} is now the file {@code opened} (looked at without opening it for I/O). */
    private static boolean stillNames(int dir, String name, NativeFiles.FileStatus opened) {
        int reference = NativeFiles.openReference(dir, name);
        if (reference < 0) {
            return false;
        }
        try {
            NativeFiles.FileStatus now = NativeFiles.fstat(reference);
            return now != null && now.isSameFile(opened);
        }
        finally {
            NativeFiles.close(reference);
        }
    }

    /** The same rules checked by path, then the file opened by path: for platforms without {@link NativeFiles}. */
    private byte[] readByPath(Path file, int declaredLength) throws FrameRejectedException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(file, "unix:isRegularFile,isSymbolicLink,isOther,isDirectory,size,nlink,uid",
                    LinkOption.NOFOLLOW_LINKS);
        }
        catch (NoSuchFileException ex) {
            throw new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file + " does not exist");
        }
        catch (IOException ex) {
            throw new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file + " cannot be read: " + ex);
        }
        if (Boolean.TRUE.equals(attributes.get("isSymbolicLink"))) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + file + " is a symbolic link");
        }
        boolean regular = Boolean.TRUE.equals(attributes.get("isRegularFile"));
        String kind = regular ? "a regular file"
                : Boolean.TRUE.equals(attributes.get("isDirectory")) ? "a directory" : "not a regular file";
        check(file, regular, kind, ((Number) attributes.get("nlink")).longValue(),
                ((Number) attributes.get("uid")).intValue(), ((Number) attributes.get("size")).longValue(),
                declaredLength);
        byte[] data = new byte[declaredLength];
        try (SeekableByteChannel channel = Files.newByteChannel(file,
                Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer target = ByteBuffer.wrap(data);
            while (target.hasRemaining()) {
                if (channel.read(target) < 0) {
                    throw new FrameRejectedException(RejectReason.SPILL_SIZE, "spill file " + file
                            + " ended after " + target.position() + " of " + declaredLength + " bytes");
                }
            }
        }
        catch (IOException ex) {
            throw new FrameRejectedException(RejectReason.SPILL_MISSING, "spill file " + file + " cannot be read: " + ex);
        }
        deleteQuietly(file);
        return data;
    }

    /** The rules every spill file must pass before a byte of it is read. */
    private void check(Path file, boolean regular, String kind, long links, int uid, long size, int declaredLength)
            throws FrameRejectedException {
        if (!regular) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + file + " is " + kind
                    + ", not a regular file");
        }
        if (links != 1) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill file " + file + " has " + links
                    + " hard links; a spill file must have exactly one");
        }
        if (!isTrustedOwner(uid)) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill file " + file + " belongs to uid " + uid
                    + ", which is neither this application's user (uid " + this.ownUid + ") nor a trusted producer"
                    + trustedNote() + "; to accept the spill files of that user, add " + uid
                    + " to swoole.task.trusted-producer-uids");
        }
        if (size != declaredLength) {
            throw new FrameRejectedException(RejectReason.SPILL_SIZE, "spill file " + file + " holds " + size
                    + " bytes but the message declares " + declaredLength);
        }
    }

    private boolean isTrustedOwner(int uid) {
        return uid == this.ownUid || Arrays.binarySearch(this.trustedUids, uid) >= 0;
    }

    private String trustedNote() {
        return (this.trustedUids.length == 0) ? " (none are set)" : " (" + trustedProducerUids() + ")";
    }

    /**
     * Deletes spill files of this user older than {@code age}: payloads whose message was never consumed.
     * @return how many files were deleted
     */
    public int sweep(Duration age) {
        FileTime cutoff = FileTime.fromMillis(System.currentTimeMillis() - age.toMillis());
        int deleted = 0;
        Integer me = (this.ownUid >= 0) ? this.ownUid : null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(this.tmpdir, PREFIX + "*")) {
            for (Path file : files) {
                try {
                    Map<String, Object> attributes = Files.readAttributes(file, "unix:isRegularFile,lastModifiedTime,uid",
                            LinkOption.NOFOLLOW_LINKS);
                    if (Boolean.TRUE.equals(attributes.get("isRegularFile"))
                            && ((FileTime) attributes.get("lastModifiedTime")).compareTo(cutoff) < 0
                            && (me == null || me.equals(attributes.get("uid")))) {
                        Files.deleteIfExists(file);
                        deleted++;
                    }
                }
                catch (IOException ex) {
                    // gone meanwhile, or not ours to read: leave it
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedSpillException("cannot list " + this.tmpdir + " to sweep old spill files: " + ex, ex);
        }
        return deleted;
    }

    private Path checkedPath(String pathText) throws FrameRejectedException {
        Path path;
        try {
            path = Path.of(pathText);
        }
        catch (InvalidPathException ex) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path is not a valid path");
        }
        if (!path.isAbsolute()) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + printable(pathText)
                    + " is not absolute");
        }
        Path name = path.getFileName();
        Path parent = path.getParent();
        if (name == null || parent == null || !name.toString().startsWith(PREFIX) || name.toString().equals("..")) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + printable(pathText)
                    + " is not named " + PREFIX + "*");
        }
        Path realParent;
        try {
            realParent = parent.toRealPath();
        }
        catch (IOException ex) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + printable(pathText)
                    + " is outside the spill directory " + this.tmpdir);
        }
        if (!realParent.equals(this.tmpdir)) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + printable(pathText)
                    + " is outside the spill directory " + this.tmpdir);
        }
        return realParent.resolve(name);
    }

    private static String printable(String text) {
        return "'" + LogSafe.escape(text, 160) + "'";
    }

    private static int ownUid() {
        if (NativeFiles.available()) {
            return NativeFiles.geteuid();
        }
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            return -1;
        }
    }

    /**
     * Lets the members of group {@code gid} read a spill file this process wrote (mode 0640), for a reader that runs
     * as another user; when this process cannot give the file that group, every user may read it (mode 0644). On
     * Linux the group and mode are changed through a descriptor opened without following links, after checking that
     * it is still the regular, singly linked file of this user that {@link #write} made.
     * @return whether the file went to that group (false: it is readable by every user)
     */
    public boolean share(String path, int gid) {
        Path file = Path.of(path);
        if (NativeFiles.available() && this.tmpdir.equals(file.getParent())) {
            return shareThroughDescriptor(file, gid);
        }
        try {
            Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
            return true;
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
            catch (IOException | UnsupportedOperationException failed) {
                throw new UncheckedSpillException("cannot make spill file " + path + " readable for its reader: "
                        + failed, failed);
            }
            return false;
        }
    }

    private boolean shareThroughDescriptor(Path file, int gid) {
        int dir = NativeFiles.openDirectory(this.tmpdir.toString());
        if (dir < 0) {
            throw new UncheckedSpillException("cannot open the spill directory " + this.tmpdir + " to share " + file
                    + ": " + NativeFiles.describe(dir), null);
        }
        try {
            int fd = NativeFiles.openForReading(dir, String.valueOf(file.getFileName()));
            if (fd < 0) {
                throw new UncheckedSpillException("cannot open spill file " + file + " to share it: "
                        + NativeFiles.describe(fd), null);
            }
            try {
                NativeFiles.FileStatus status = NativeFiles.fstat(fd);
                if (status == null || !status.isRegularFile() || status.links() != 1 || status.uid() != this.ownUid) {
                    throw new UncheckedSpillException("spill file " + file + " is no longer the file this application"
                            + " wrote (" + ((status == null) ? "fstat failed" : status.kind() + " of uid " + status.uid()
                            + " with " + status.links() + " links") + "); not shared", null);
                }
                if (NativeFiles.fchgrp(fd, gid) == 0 && NativeFiles.fchmod(fd, 0640) == 0) {
                    return true;
                }
                int failed = NativeFiles.fchmod(fd, 0644);
                if (failed != 0) {
                    throw new UncheckedSpillException("cannot make spill file " + file + " readable for its reader: "
                            + NativeFiles.describe(failed), null);
                }
                return false;
            }
            finally {
                NativeFiles.close(fd);
            }
        }
        finally {
            NativeFiles.close(dir);
        }
    }

    /** Deletes a spill file this process wrote and no message will claim; a failure leaves it to {@link #sweep}. */
    public void discard(String path) {
        try {
            deleteQuietly(Path.of(path));
        }
        catch (InvalidPathException ex) {
            // not a path this class wrote
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        }
        catch (IOException ex) {
            // the sweeper takes it later
        }
    }

    /** A spill file could not be written or listed. */
    public static class UncheckedSpillException extends RuntimeException {

        public UncheckedSpillException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }
}
