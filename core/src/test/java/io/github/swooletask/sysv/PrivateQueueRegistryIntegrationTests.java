package io.github.swooletask.sysv;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PrivateQueueRegistry} with real processes killed with SIGKILL and real private queues: what one run leaves
 * the next removes, and nothing else is touched. Every queue a test creates is removed after it.
 */
class PrivateQueueRegistryIntegrationTests {

    private static final int CYCLES = 100;

    @TempDir
    Path tmp;

    private Path state;

    private final List<Integer> created = new ArrayList<>();

    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        assumeTrue(MessageQueue.isSupported(), "System V message queues are not available here");
        this.state = this.tmp.resolve("state");
    }

    @AfterEach
    void removeEverything() {
        for (Process process : this.processes) {
            process.destroyForcibly();
        }
        for (int id : this.created) {
            ByteBuffer ds = MessageQueue.stat(id);
            // only a private queue of this user: an id removed already may name another program's queue by now
            if (ds != null && ds.getInt(Native.MSQID_KEY) == Native.IPC_PRIVATE
                    && ds.getInt(Native.MSQID_CUID) == MessageQueue.currentUid()) {
                MessageQueue.removeId(id);
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aHundredRunsKilledWithKill9LeaveAtMostOneQueue() throws Exception {
        int removedByStarts = 0;
        Process next = spawn();
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            Process current = next;
            BufferedReader out = reader(current);
            awaitLine(out, "ready");
            // the next run's JVM starts while this one works; it cleans up only once told to, after this one died
            next = (cycle < CYCLES - 1) ? spawn() : null;
            tell(current, "go");
            String[] line = awaitLine(out, "created ").split(" ");
            this.created.add(Integer.parseInt(line[1]));
            removedByStarts += Integer.parseInt(line[2]);
            current.destroyForcibly();
            current.waitFor();
        }
        assertThat(existing(this.created)).as("queues left after 100 runs killed with SIGKILL").hasSizeLessThanOrEqualTo(1);
        assertThat(removedByStarts).isEqualTo(CYCLES - 1);
        assertThat(new PrivateQueueRegistry(this.state).removeLeftovers()).isEqualTo(1);
        assertThat(existing(this.created)).isEmpty();
        assertThat(new PrivateQueueRegistry(this.state).records()).isEmpty();
    }

    @Test
    void queuesThatDoNotMatchARecordExactlyAreLeftAlone() throws Exception {
        PrivateQueueRegistry registry = new PrivateQueueRegistry(this.state);
        MessageQueue foreign = MessageQueue.createPrivate(0600);
        this.created.add(foreign.id());
        MessageQueue reused = MessageQueue.createPrivate(0600);
        this.created.add(reused.id());
        MessageQueue live = MessageQueue.createPrivate(0600);
        this.created.add(live.id());
        long deadPid = deadPid();
        String bootId = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        int uid = MessageQueue.currentUid();
        long self = ProcessHandle.current().pid();
        // an id now naming another queue (other ctime), one of another uid, and one of a process still running
        List<PrivateQueueRegistry.Record> records = List.of(
                new PrivateQueueRegistry.Record(reused.id(), deadPid, 1, ctime(reused) - 1, uid, bootId),
                new PrivateQueueRegistry.Record(reused.id(), deadPid, 1, ctime(reused), uid + 1, bootId),
                new PrivateQueueRegistry.Record(live.id(), self, PrivateQueueRegistry.startTicks(self), ctime(live),
                        uid, bootId));
        writeRegistry(records);
        assertThat(registry.removeLeftovers()).isZero();
        assertThat(foreign.exists()).as("a private queue nobody recorded").isTrue();
        assertThat(reused.exists()).as("a queue whose ctime or owner differs from the record").isTrue();
        assertThat(live.exists()).as("the queue of a process still running").isTrue();
        assertThat(registry.records()).as("only the live record stays").containsExactly(records.get(2));
    }

    @Test
    void aRecordOfAnotherBootOrADirectoryOthersCanWriteIsNotActedOn() throws Exception {
        MessageQueue queue = MessageQueue.createPrivate(0600);
        this.created.add(queue.id());
        String bootId = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        PrivateQueueRegistry.Record matching = new PrivateQueueRegistry.Record(queue.id(), deadPid(), 1, ctime(queue),
                MessageQueue.currentUid(), bootId);
        writeRegistry(List.of(new PrivateQueueRegistry.Record(queue.id(), deadPid(), 1, ctime(queue),
                MessageQueue.currentUid(), "another-boot")));
        assertThat(new PrivateQueueRegistry(this.state).removeLeftovers()).isZero();
        assertThat(queue.exists()).isTrue();
        writeRegistry(List.of(matching));
        Files.setPosixFilePermissions(this.state, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(new PrivateQueueRegistry(this.state).removeLeftovers()).isZero();
        assertThat(queue.exists()).as("records in a directory others can write are not trusted").isTrue();
        Files.setPosixFilePermissions(this.state, PosixFilePermissions.fromString("rwx------"));
        assertThat(new PrivateQueueRegistry(this.state).removeLeftovers()).as("the same record, trusted").isEqualTo(1);
        assertThat(queue.exists()).isFalse();
    }

    @Test
    void theRegistryIsNeverFollowedThroughASymbolicLinkAndIsWrittenMode0600() throws Exception {
        Files.createDirectories(this.state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rwx------")));
        Path target = this.tmp.resolve("elsewhere");
        Files.writeString(target, "not to be touched\n");
        Path registryFile = this.state.resolve(PrivateQueueRegistry.FILE_NAME);
        Files.createSymbolicLink(registryFile, target);
        PrivateQueueRegistry registry = new PrivateQueueRegistry(this.state);
        MessageQueue queue = registry.createPrivate(0600);
        this.created.add(queue.id());
        assertThat(Files.readString(target)).isEqualTo("not to be touched\n");
        assertThat(Files.isSymbolicLink(registryFile)).as("the link was replaced by the registry").isFalse();
        assertThat(Files.getPosixFilePermissions(registryFile)).isEqualTo(PosixFilePermissions.fromString(
                "rw-------"));
        assertThat(registry.records()).singleElement().satisfies((record) -> {
            assertThat(record.msqid()).isEqualTo(queue.id());
            assertThat(record.pid()).isEqualTo(ProcessHandle.current().pid());
        });
    }

    @Test
    void theRecordFollowsTheQueueThroughACapacityChangeARecreationAndItsRemoval() {
        PrivateQueueRegistry registry = new PrivateQueueRegistry(this.state);
        MessageQueue queue = registry.createPrivate(0600);
        this.created.add(queue.id());
        queue.setCapacity(queue.stats().capacity() - 1);
        assertThat(registry.records()).singleElement().satisfies((record) -> assertThat(record.ctime())
            .isEqualTo(ctime(queue)));
        int before = queue.id();
        MessageQueue.removeId(before);
        queue.recreate();
        this.created.add(queue.id());
        assertThat(registry.records()).singleElement().satisfies((record) -> {
            assertThat(record.msqid()).isEqualTo(queue.id()).isNotEqualTo(before);
            assertThat(record.ctime()).isEqualTo(ctime(queue));
        });
        queue.remove();
        assertThat(registry.records()).isEmpty();
    }

    // ---- helpers

    private Process spawn() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-XX:-UsePerfData", "-Xshare:auto", "-Xmx64m", "-cp", classPath(),
                PrivateQueueOwner.class.getName(), this.state.toString());
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        this.processes.add(process);
        return process;
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void tell(Process process, String line) throws IOException {
        Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        in.write(line + "\n");
        in.flush();
    }

    /** Reads the process's output up to a line that starts with {@code prefix} (log lines come before it). */
    private static String awaitLine(BufferedReader out, String prefix) throws IOException {
        while (true) {
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the process ended before it printed '" + prefix + "'");
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** The ids among {@code ids} that name a queue now, as {@code /proc/sysvipc/msg} lists them. */
    private static List<Integer> existing(List<Integer> ids) throws IOException {
        Set<Integer> listed = Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream()
            .skip(1)
            .map((line) -> line.trim().split("\\s+"))
            .map((fields) -> Integer.parseInt(fields[1]))
            .collect(Collectors.toSet());
        return ids.stream().filter(listed::contains).toList();
    }

    private static long ctime(MessageQueue queue) {
        ByteBuffer ds = MessageQueue.stat(queue.id());
        assertThat(ds).isNotNull();
        return ds.getLong(Native.MSQID_CTIME);
    }

    /** The pid of a process that has ended and was reaped. */
    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }

    private void writeRegistry(List<PrivateQueueRegistry.Record> records) throws IOException {
        if (!Files.exists(this.state)) {
            Files.createDirectories(this.state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
        }
        StringBuilder text = new StringBuilder("# written by the test\n");
        for (PrivateQueueRegistry.Record record : records) {
            text.append(record.line()).append('\n');
        }
        Path file = this.state.resolve(PrivateQueueRegistry.FILE_NAME);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** The test class path; surefire may run this JVM from a manifest-only jar. */
    private static String classPath() {
        String classPath = System.getProperty("java.class.path");
        if (!classPath.contains("test-classes") && System.getProperty("surefire.test.class.path") != null) {
            classPath = System.getProperty("surefire.test.class.path");
        }
        return classPath;
    }
}
