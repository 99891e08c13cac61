package io.github.swooletask.spring.retry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.spring.DeadLetter;
import io.github.swooletask.spring.DeadLetterStore;
import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskRecoverer;

/**
 * Keeps each failed task in its own file {@code <millis>-task<id>.deadletter} in a directory: a few
 * {@code key: value} text lines (task id, name, flags, handler, attempts, time, reason), an empty line, then the raw
 * payload bytes, so an operator can read why; {@link #replay} reads them back for a
 * {@link io.github.swooletask.spring.DeadLetterReplayer}.
 * <p>Safe on a shared host: the directory is made mode 0700 when missing and refused when it is a symbolic link, is
 * not this user's, or can be written by others (so can any directory above it that is not sticky, like
 * {@code /tmp}); each file is created new (never an existing one, never through a link), mode 0600, and written
 * through the channel that created it. Bounded: past {@code maxFiles} files or {@code maxBytes} bytes in the
 * directory a failed task is not kept (logged, counted in {@link #notKeptCount()}), until an operator makes room.
 */
public class DeadLetterDirectoryRecoverer implements TaskRecoverer, DeadLetterStore {

    /** The default bound on dead-letter files. */
    public static final int DEFAULT_MAX_FILES = 10_000;

    /** The default bound on the bytes of dead-letter files. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    private static final Logger logger = LoggerFactory.getLogger(DeadLetterDirectoryRecoverer.class);

    private static final String SUFFIX = ".deadletter";

    /** What a dead letter's file name ends with while a replay holds it. */
    private static final String CLAIMED_SUFFIX = ".replaying";

    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions
        .asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE = PosixFilePermissions
        .asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private static final Set<StandardOpenOption> CREATE_NEW = EnumSet.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);

    private final Path directory;

    private final int maxFiles;

    private final long maxBytes;

    private final AtomicLong files = new AtomicLong(-1);

    private final AtomicLong bytes = new AtomicLong();

    private final AtomicLong kept = new AtomicLong();

    private final AtomicLong notKept = new AtomicLong();

    private volatile long lastFullLogNanos;

    private long lastRecountNanos = System.nanoTime() - 2_000_000_000L;

    private final Object replayLock = new Object();

    /** A directory with the default bounds. */
    public DeadLetterDirectoryRecoverer(Path directory) {
        this(directory, DEFAULT_MAX_FILES, DEFAULT_MAX_BYTES);
    }

    /**
     * @param maxFiles most dead-letter files the directory may hold
     * @param maxBytes most bytes those files may hold together
     */
    public DeadLetterDirectoryRecoverer(Path directory, int maxFiles, long maxBytes) {
        if (maxFiles < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("dead-letter bounds must be positive, were " + maxFiles + " files and "
                    + maxBytes + " bytes");
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
    }

    public Path directory() {
        return this.directory;
    }

    /** The dead-letter files in the directory (as counted at the last dead letter, replay or recount). */
    @Override
    public long count() {
        if (this.files.get() < 0) {
            try {
                prepare();
            }
            catch (IOException | RuntimeException ex) {
                return 0;
            }
        }
        return Math.max(0, this.files.get());
    }

    @Override
    public String location() {
        return "directory " + this.directory;
    }

    /**
     * Hands the dead-letter files to {@code sender}, oldest first (file names begin with the time they were kept).
     * Each is first renamed to {@code <name>.replaying}, so that a replay of another process sharing the directory
     * does not take it too; one sent is then deleted, any other renamed back. A replay ended by a crash leaves its
     * file in hand under the {@code .replaying} name, for the operator to rename back (or delete: it may have been
     * sent).
     */
    @Override
    public int replay(int max, Sender sender) throws IOException {
        synchronized (this.replayLock) {
            DirectoryRules.checkOwnDirectory(this.directory);
            List<Path> kept = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(this.directory, "*" + SUFFIX)) {
                for (Path entry : entries) {
                    kept.add(entry);
                }
            }
            kept.sort(Comparator.comparing((Path file) -> file.getFileName().toString()));
            int offered = 0;
            int sent = 0;
            for (Path file : kept) {
                if (offered == max) {
                    break;
                }
                Path claimed = file.resolveSibling(file.getFileName() + CLAIMED_SUFFIX);
                try {
                    Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
                }
                catch (NoSuchFileException ex) {
                    continue;  // taken by another replay, or moved away, since the listing
                }
                offered++;
                if (offer(file, claimed, sender)) {
                    sent++;
                }
            }
            return sent;
        }
    }

    /** One claimed dead letter to the sender: deleted once sent, else given its name back. */
    private boolean offer(Path file, Path claimed, Sender sender) throws IOException {
        String id = file.getFileName().toString();
        boolean taken = false;
        try {
            byte[] content;
            DeadLetter letter;
            try {
                content = readOwnFile(claimed);
                letter = DeadLetterFile.read(id, content);
            }
            catch (IOException | IllegalArgumentException ex) {
                sender.unreadable(id, String.valueOf(ex.getMessage()));
                return false;
            }
            taken = sender.send(letter);
            if (taken) {
                Files.delete(claimed);
                release(content.length);
            }
            return taken;
        }
        finally {
            if (!taken) {
                Files.move(claimed, file, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** A regular file of at most the directory's byte bound, read without following a link. */
    private byte[] readOwnFile(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new IOException("not a regular file");
        }
        if (attributes.size() > this.maxBytes) {
            throw new IOException("larger (" + attributes.size() + " bytes) than the directory may hold");
        }
        try (SeekableByteChannel in = Files.newByteChannel(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer content = ByteBuffer.allocate((int) Math.min(in.size(), this.maxBytes));
            while (content.hasRemaining() && in.read(content) >= 0) {
                // reads until full or at the end
            }
            return Arrays.copyOf(content.array(), content.position());
        }
    }

    /** Failed tasks kept as files since the start. */
    public long keptCount() {
        return this.kept.get();
    }

    /** Failed tasks not kept since the start, because the directory was full. */
    public long notKeptCount() {
        return this.notKept.get();
    }

    /**
     * Makes the directory if missing and checks that it is safe to write to; also counts what it already holds.
     * Called before the first dead letter, and by the auto-configuration at startup.
     * @throws IllegalStateException when the directory is not safe (the message says why and what to change)
     * @throws IOException when it cannot be made or read
     */
    public synchronized void prepare() throws IOException {
        if (Files.notExists(this.directory, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(this.directory.getParent());
            try {
                Files.createDirectory(this.directory, DIRECTORY_MODE);
            }
            catch (FileAlreadyExistsException ex) {
                // made meanwhile: checked below like any existing one
            }
        }
        DirectoryRules.checkOwnDirectory(this.directory);
        if (this.files.get() < 0) {
            long count = 0;
            long size = 0;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(this.directory, "*" + SUFFIX)) {
                for (Path entry : entries) {
                    count++;
                    size += Files.size(entry);
                }
            }
            this.bytes.set(size);
            this.files.set(count);
        }
    }

    /**
     * Keeps the task in a new file. A handler interrupted at a stop often leaves its thread's interrupt flag set: it
     * is cleared for the write (file channels close on an interrupt) and set again after.
     */
    @Override
    public String recover(FailedTask task) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return keep(task);
        }
        finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String keep(FailedTask task) throws IOException {
        if (this.files.get() < 0) {
            prepare();
        }
        else {
            // the directory may have been replaced since: checked again, it costs one stat per level
            DirectoryRules.checkOwnDirectory(this.directory);
        }
        byte[] header = DeadLetterFile.header(task);
        long size = (long) header.length + task.payload().length;
        if (!reserve(size)) {
            this.notKept.incrementAndGet();
            logFull(task);
            return "not kept: the dead-letter directory " + this.directory + " is full";
        }
        long now = System.currentTimeMillis();
        Path file = this.directory.resolve(now + "-task" + task.taskId() + SUFFIX);
        SeekableByteChannel channel = null;
        for (int n = 1; channel == null; n++) {
            try {
                // O_CREAT|O_EXCL: never an existing file, never through a symbolic link planted in its place
                channel = Files.newByteChannel(file, CREATE_NEW, FILE_MODE);
            }
            catch (FileAlreadyExistsException ex) {
                file = this.directory.resolve(now + "-task" + task.taskId() + "-" + n + SUFFIX);
            }
            catch (IOException | RuntimeException ex) {
                release(size);
                throw ex;
            }
        }
        try (SeekableByteChannel out = channel) {
            ByteBuffer content = ByteBuffer.wrap(header);
            while (content.hasRemaining()) {
                out.write(content);
            }
            ByteBuffer payload = ByteBuffer.wrap(task.payload());
            while (payload.hasRemaining()) {
                out.write(payload);
            }
        }
        this.kept.incrementAndGet();
        return "kept in " + file;
    }

    private synchronized boolean reserve(long size) {
        if (this.files.get() + 1 > this.maxFiles || this.bytes.get() + size > this.maxBytes) {
            recount();
            if (this.files.get() + 1 > this.maxFiles || this.bytes.get() + size > this.maxBytes) {
                return false;
            }
        }
        this.files.incrementAndGet();
        this.bytes.addAndGet(size);
        return true;
    }

    private synchronized void release(long size) {
        this.files.decrementAndGet();
        this.bytes.addAndGet(-size);
    }

    /** Counts again, since an operator may have moved dead letters away; at most once a second. */
    private void recount() {
        long now = System.nanoTime();
        if (now - this.lastRecountNanos < 1_000_000_000L) {
            return;
        }
        this.lastRecountNanos = now;
        this.files.set(-1);
        try {
            prepare();
        }
        catch (IOException ex) {
            logger.warn("Could not count the dead letters in {}: {}", this.directory, ex.getMessage());
        }
    }

    private void logFull(FailedTask task) {
        long now = System.nanoTime();
        if (now - this.lastFullLogNanos < 10_000_000_000L) {
            return;
        }
        this.lastFullLogNanos = now;
        logger.error("The dead-letter directory {} is full ({} files, {} bytes; bounds {} files, {} bytes): failed task"
                + " {} of {} and later ones are not kept ({} so far). Move or delete dead letters, or raise"
                + " swoole.task.dead-letter.max-files / max-size. Said at most every 10 s", this.directory,
                this.files.get(), this.bytes.get(), this.maxFiles, this.maxBytes, task.taskId(),
                DeadLetterFile.escape(task.handler()), this.notKept.get());
    }
}
