package io.github.swooletask.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.github.swooletask.log.LogSafe;

/**
 * Spill files: payloads too large for one message travel in a file in {@code tmpdir}. Writing makes a
 * {@code swoole.task*} file with mode 0600; reading accepts only a regular, singly linked {@code swoole.task*} file
 * directly inside {@code tmpdir} (after resolving {@code ..} and symlinks in the directory, never following one in
 * the name), reads it and deletes it. A path that breaks a rule is rejected and the file is neither read nor
 * deleted. Thread-safe.
 */
public final class SpillFiles {

    /** Name prefix of every spill file, as Swoole and its PHP client make them. */
    public static final String PREFIX = "swoole.task";

    private final Path tmpdir;

    private final long maxPayload;

    /**
     * @param tmpdir the only directory spill files may live in; it must exist
     * @param maxPayload largest spilled payload accepted, in bytes
     */
    public SpillFiles(Path tmpdir, long maxPayload) {
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
        this.maxPayload = maxPayload;
    }

    /** The resolved spill directory. */
    public Path directory() {
        return this.tmpdir;
    }

    public long maxPayload() {
        return this.maxPayload;
    }

    /** Writes the given parts, in order, to a new spill file and returns its absolute path. */
    public String write(ByteBuffer... parts) {
        Path file = null;
        try {
            file = Files.createTempFile(this.tmpdir, PREFIX, "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
                for (ByteBuffer part : parts) {
                    ByteBuffer view = part.duplicate();
                    while (view.hasRemaining()) {
                        channel.write(view);
                    }
                }
            }
            return file.toString();
        }
        catch (IOException ex) {
            deleteQuietly(file);
            throw new UncheckedSpillException("cannot write a spill file in " + this.tmpdir + ": "
                    + ex.getMessage(), ex);
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
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(file, "unix:isRegularFile,isSymbolicLink,size,nlink",
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
        if (!Boolean.TRUE.equals(attributes.get("isRegularFile"))) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill path " + file + " is not a regular file");
        }
        if (((Number) attributes.get("nlink")).intValue() != 1) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "spill file " + file + " has other hard links");
        }
        long size = ((Number) attributes.get("size")).longValue();
        if (size != declaredLength) {
            throw new FrameRejectedException(RejectReason.SPILL_SIZE, "spill file " + file + " holds " + size
                    + " bytes but the message declares " + declaredLength);
        }
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

    /**
     * Deletes spill files of this user older than {@code age}: payloads whose message was never consumed.
     * @return how many files were deleted
     */
    public int sweep(Duration age) {
        FileTime cutoff = FileTime.fromMillis(System.currentTimeMillis() - age.toMillis());
        int deleted = 0;
        Object me = ownUid();
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

    private static Object ownUid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        }
        catch (IOException | UnsupportedOperationException ex) {
            return null;
        }
    }

    /**
     * Lets the members of group {@code gid} read a spill file this process wrote (mode 0640), for a reader that runs
     * as another user; when this process cannot give the file that group, every user may read it (mode 0644).
     * @return whether the file went to that group (false: it is readable by every user)
     */
    public boolean share(String path, int gid) {
        Path file = Path.of(path);
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

        public UncheckedSpillException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
