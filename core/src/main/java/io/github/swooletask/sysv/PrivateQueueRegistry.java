package io.github.swooletask.sysv;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogSafe;

/**
 * Keeps private queues (IPC_PRIVATE) from outliving a process killed with {@code kill -9}: each one this application
 * creates is recorded in the file {@code private-queues} of a directory of its own, and at the next start
 * ({@link #removeLeftovers()}) a recorded queue whose process has ended is removed.
 *
 * <p>A record holds the queue id, the creating process's pid and its start time ({@code /proc/PID/stat}, since pids are
 * reused), the queue's {@code msg_ctime} and owner uid, and the boot id. A queue is removed only when all of it still
 * matches: same boot, the process gone (or its pid now another process), and the id naming a private queue created
 * and owned by that uid with that ctime. Any other queue, another program's private queues included, is never
 * touched; a record that no longer matches is dropped. Records of processes still running (other instances of the
 * application sharing the directory) are kept.
 *
 * <p>The directory must be a real directory of this user that nobody else can write to, and the file a regular file
 * of this user's (neither is followed when a symbolic link); otherwise nothing is read or recorded (one WARN). The
 * file is rewritten whole (a new file, mode 0600, renamed over the old one) under a lock file shared by the processes
 * that use the directory. Failures to record are logged and never fail the queue's use. Thread-safe.
 */
public final class PrivateQueueRegistry {

    private static final Logger logger = LoggerFactory.getLogger(PrivateQueueRegistry.class);

    /** The registry file's name in its directory. */
    public static final String FILE_NAME = "private-queues";

    private static final String HEADER = "# swoole-task private queues: msqid pid pid-start-ticks ctime uid boot-id";

    private static final int GROUP_OR_OTHER_WRITE = 0022;

    /** File locks are per process: threads of one JVM (several registries included) take turns here first. */
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final Path directory;

    private final Path file;

    private final MessageQueue.Watcher watcher = new Watcher();

    /** @param directory where the registry file is kept; created (mode 0700) if missing */
    public PrivateQueueRegistry(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
        this.file = this.directory.resolve(FILE_NAME);
    }

    /** The registry file. */
    public Path file() {
        return this.file;
    }

    /**
     * Removes the private queues recorded by processes of this application that have ended without removing them,
     * logging one INFO line for each, and drops records that no longer match a queue.
     * @return how many queues were removed
     */
    public int removeLeftovers() {
        int[] removed = new int[1];
        update((records) -> {
            String bootId = bootId();
            List<Record> kept = new ArrayList<>();
            for (Record record : records) {
                if (record.bootId().equals(bootId) && isRunning(record.pid(), record.pidStart())) {
                    kept.add(record);
                }
                else if (record.bootId().equals(bootId) && matches(record) && MessageQueue.removeId(record.msqid())) {
                    removed[0]++;
                    logger.info("Removed private message queue id {} left by process {} of an earlier run of this"
                            + " application, which ended without removing it (killed with kill -9?)", record.msqid(),
                            record.pid());
                }
            }
            return kept;
        });
        return removed[0];
    }

    /**
     * Creates a private queue and records it; the record follows the queue's new id or ctime
     * ({@link MessageQueue#recreate}, {@link MessageQueue#setCapacity}) and goes with {@link MessageQueue#remove()}.
     */
    public MessageQueue createPrivate(int perms) {
        return MessageQueue.createPrivate(perms, this.watcher);
    }

    /** The records now, for tests and diagnostics; empty when there is no usable file. */
    List<Record> records() {
        List<Record> all = new ArrayList<>();
        update((records) -> {
            all.addAll(records);
            return records;
        });
        return all;
    }

    private static boolean matches(Record record) {
        ByteBuffer ds = MessageQueue.stat(record.msqid());
        return ds != null && ds.getInt(Native.MSQID_KEY) == Native.IPC_PRIVATE
                && ds.getInt(Native.MSQID_UID) == record.uid() && ds.getInt(Native.MSQID_CUID) == record.uid()
                && ds.getLong(Native.MSQID_CTIME) == record.ctime();
    }

    private @Nullable Record recordOf(MessageQueue queue) {
        ByteBuffer ds = MessageQueue.stat(queue.id());
        if (ds == null) {
            return null;
        }
        long pid = ProcessHandle.current().pid();
        long start = startTicks(pid);
        if (start < 0) {
            return null;
        }
        return new Record(queue.id(), pid, start, ds.getLong(Native.MSQID_CTIME), ds.getInt(Native.MSQID_UID),
                bootId());
    }

    /** Reads the records, replaces them with what {@code change} returns (if different), under the lock. */
    private void update(UnaryOperator<List<Record>> change) {
        IN_PROCESS.lock();
        try {
            if (!prepareDirectory()) {
                return;
            }
            try (FileChannel lock = FileChannel.open(this.directory.resolve(FILE_NAME + ".lock"),
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    FileLock held = lock.lock()) {
                List<Record> before = read();
                if (before == null) {
                    return;
                }
                List<Record> after = change.apply(before);
                if (!after.equals(before)) {
                    write(after);
                }
            }
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Cannot use the registry of private message queues {}: {}; a private queue of this run left"
                    + " by kill -9 is not removed at the next start", this.file, LogSafe.escape(ex.toString()));
        }
        finally {
            IN_PROCESS.unlock();
        }
    }

    /** Creates the directory if missing; false (with a WARN) when it is not a directory only this user writes. */
    private boolean prepareDirectory() throws IOException {
        if (!Files.exists(this.directory, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(this.directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String unsafe = unsafe(this.directory, true);
        if (unsafe != null) {
            logger.warn("Not using the registry of private message queues in {}: the directory {}; private queues"
                    + " left by kill -9 are not removed", this.directory, unsafe);
            return false;
        }
        return true;
    }

    /** Why a path is not this user's own (a directory or a regular file nobody else writes), or null. */
    private static @Nullable String unsafe(Path path, boolean directory) throws IOException {
        if (Files.isSymbolicLink(path)) {
            return "is a symbolic link";
        }
        boolean kind = directory ? Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                : Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
        if (!kind) {
            return directory ? "is not a directory" : "is not a regular file";
        }
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != self) {
            return "belongs to uid " + owner + ", not to this process's user (uid " + self + ")";
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & GROUP_OR_OTHER_WRITE) != 0) {
            return String.format("can be written by others (mode %04o)", mode & 07777);
        }
        return null;
    }

    /** The records, or null (with a WARN) when the file is not this user's own; empty when there is none. */
    private @Nullable List<Record> read() throws IOException {
        if (!Files.exists(this.file, LinkOption.NOFOLLOW_LINKS)) {
            return new ArrayList<>();
        }
        String unsafe = unsafe(this.file, false);
        if (unsafe != null) {
            logger.warn("Not reading the registry of private message queues {}: it {}; it is replaced", this.file,
                    unsafe);
            return new ArrayList<>();
        }
        List<Record> records = new ArrayList<>();
        byte[] bytes;
        try (FileChannel in = FileChannel.open(this.file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            bytes = new byte[(int) Math.min(in.size(), 1 << 20)];
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining() && in.read(buffer) >= 0) {
                // reads it whole
            }
        }
        catch (NoSuchFileException ex) {
            return records;
        }
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            Record record = Record.parse(line);
            if (record != null) {
                records.add(record);
            }
        }
        return records;
    }

    private void write(List<Record> records) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (Record record : records) {
            text.append(record.line()).append('\n');
        }
        Path temporary = Files.createTempFile(this.directory, FILE_NAME + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            try {
                // rename(2) replaces the name, a symbolic link included, never what it points to
                Files.move(temporary, this.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (AtomicMoveNotSupportedException ex) {
                Files.move(temporary, this.file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Whether {@code pid} runs and is the process that started at {@code startTicks} after boot. */
    private static boolean isRunning(long pid, long startTicks) {
        return startTicks >= 0 && startTicks(pid) == startTicks;
    }

    /**
     * Field 22 of {@code /proc/PID/stat} (start time in clock ticks after boot), or -1 when there is no such process
     * or it has ended (a zombie, {@code Z} or {@code X}, not reaped yet).
     */
    static long startTicks(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            return -1;
        }
        // the command name (field 2) is in parentheses and may hold spaces and ')': fields 3 on follow the last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ");
        try {
            if (fields[0].equals("Z") || fields[0].equals("X")) {
                return -1;
            }
            return Long.parseLong(fields[19]);
        }
        catch (RuntimeException ex) {
            return -1;
        }
    }

    private static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
        }
        catch (IOException ex) {
            return "unknown";
        }
    }

    /** Records each queue as it is created or changed, and forgets it when removed. */
    private final class Watcher implements MessageQueue.Watcher {

        @Override
        public void changed(MessageQueue queue, int oldId) {
            Record record = recordOf(queue);
            update((records) -> {
                List<Record> next = new ArrayList<>();
                for (Record existing : records) {
                    if (existing.msqid() != oldId && existing.msqid() != queue.id()) {
                        next.add(existing);
                    }
                }
                if (record != null) {
                    next.add(record);
                }
                return next;
            });
        }

        @Override
        public void removed(MessageQueue queue, int id) {
            update((records) -> {
                List<Record> next = new ArrayList<>(records);
                next.removeIf((existing) -> existing.msqid() == id);
                return next;
            });
        }
    }

    /** One recorded queue. */
    record Record(int msqid, long pid, long pidStart, long ctime, int uid, String bootId) {

        String line() {
            return this.msqid + " " + this.pid + " " + this.pidStart + " " + this.ctime + " " + this.uid + " "
                    + this.bootId;
        }

        static @Nullable Record parse(String line) {
            String[] fields = line.strip().split(" ");
            if (line.startsWith("#") || fields.length != 6) {
                return null;
            }
            try {
                return new Record(Integer.parseInt(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2]),
                        Long.parseLong(fields[3]), Integer.parseInt(fields[4]), fields[5]);
            }
            catch (NumberFormatException ex) {
                return null;
            }
        }
    }
}
