package io.github.swooletask.spring.retry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.spring.DeadLetter;
import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.wire.TaskFlags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Dead-letter files on a host shared with someone who would like to abuse them. */
class DeadLetterDirectoryRecovererTest {

    @TempDir
    Path tmp;

    private static FailedTask failed(int id, String payload) {
        return new FailedTask(id, "resize\nERROR forged line", 0, "handler", payload.getBytes(StandardCharsets.UTF_8),
                new IllegalStateException("broken\r\nagain"), 3);
    }

    private static List<Path> deadLetters(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*.deadletter")) {
            entries.forEach(files::add);
        }
        return files;
    }

    @Test
    void aMissingDirectoryIsMadeForThisUserAloneAndEachFileIsItsOwn() throws Exception {
        Path directory = this.tmp.resolve("state/dead-letters");
        DeadLetterDirectoryRecoverer recoverer = new DeadLetterDirectoryRecoverer(directory);
        String note = recoverer.recover(failed(7, "payload bytes"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        Path file = deadLetters(directory).get(0);
        assertThat(note).isEqualTo("kept in " + file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String content = Files.readString(file);
        assertThat(content).startsWith("task-id: 7\nname: resize\\x0aERROR forged line\n")
            .contains("reason: java.lang.IllegalStateException: broken\\x0d\\x0aagain\n")
            .endsWith("\n\npayload bytes");
        assertThat(recoverer.keptCount()).isEqualTo(1);
    }

    @Test
    void aReplayReadsEachBackAsItWasOldestFirstAndRemovesOnlyWhatWasSent() throws Exception {
        Path directory = this.tmp.resolve("dead");
        DeadLetterDirectoryRecoverer recoverer = new DeadLetterDirectoryRecoverer(directory);
        byte[] binary = { 0, '\n', '\n', (byte) 0xff };
        recoverer.recover(new FailedTask(1, "back\\slash \\x41 and\nline", TaskFlags.SERIALIZE | TaskFlags.NONBLOCK,
                "Orders.take", binary, new IllegalStateException("down"), 2));
        recoverer.recover(failed(2, "second"));
        recoverer.recover(failed(3, "third"));
        recoverer.recover(failed(4, "fourth"));
        assertThat(recoverer.count()).isEqualTo(4);
        List<DeadLetter> offered = new ArrayList<>();
        assertThatIllegalStateException().isThrownBy(() -> recoverer.replay(10, (letter) -> {
            offered.add(letter);
            return switch (letter.taskId()) {
                case 1 -> true;
                case 2 -> false;
                default -> throw new IllegalStateException("the queue is full");
            };
        })).withMessage("the queue is full");
        assertThat(offered).extracting(DeadLetter::taskId).as("oldest first, ended by the exception")
            .containsExactly(1, 2, 3);
        DeadLetter first = offered.get(0);
        assertThat(first.name()).as("escaped and read back as it was").isEqualTo("back\\slash \\x41 and\nline");
        assertThat(first.flags()).isEqualTo(TaskFlags.SERIALIZE | TaskFlags.NONBLOCK);
        assertThat(first.handler()).isEqualTo("Orders.take");
        assertThat(first.attempts()).isEqualTo(2);
        assertThat(first.reason()).isEqualTo("java.lang.IllegalStateException: down");
        assertThat(first.payload()).isEqualTo(binary);
        assertThat(first.id()).endsWith("-task1.deadletter");
        assertThat(deadLetters(directory)).as("the sent one removed, the declined and the failed ones back")
            .hasSize(3);
        try (var entries = Files.list(directory)) {
            assertThat(entries.map((file) -> file.getFileName().toString())).noneMatch((name) -> name.endsWith(
                    ".replaying"));
        }
        assertThat(recoverer.count()).isEqualTo(3);
        assertThat(recoverer.replay(2, (letter) -> true)).as("at most max").isEqualTo(2);
        assertThat(deadLetters(directory)).singleElement()
            .satisfies((file) -> assertThat(file.getFileName().toString()).endsWith("-task4.deadletter"));
    }

    @Test
    void aFileSwappedForASymbolicLinkNeverSendsThePayloadThroughIt() throws Exception {
        Path directory = Files.createDirectory(this.tmp.resolve("dead"));
        Path victim = Files.writeString(this.tmp.resolve("victim"), "precious");
        DeadLetterDirectoryRecoverer recoverer = new DeadLetterDirectoryRecoverer(directory);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger swapped = new AtomicInteger();
        // the attacker: every new dead-letter file is replaced at once by a link to the victim
        Thread attacker = new Thread(() -> {
            while (!done.get()) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*.deadletter")) {
                    for (Path entry : entries) {
                        if (!Files.isSymbolicLink(entry) && Files.size(entry) == 0) {
                            Files.delete(entry);
                            Files.createSymbolicLink(entry, victim);
                            swapped.incrementAndGet();
                        }
                    }
                }
                catch (IOException ex) {
                    // raced with the recoverer: look again
                }
            }
        });
        attacker.start();
        try {
            for (int i = 0; i < 300; i++) {
                recoverer.recover(failed(i, "attacker's payload " + i));
            }
        }
        finally {
            done.set(true);
            attacker.join();
        }
        assertThat(victim).hasContent("precious");
        assertThat(recoverer.keptCount()).isEqualTo(300);
    }

    @Test
    void aDirectoryOthersCanWriteToIsRefusedWithWhatToDo() throws Exception {
        Path directory = Files.createDirectory(this.tmp.resolve("open"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        DeadLetterDirectoryRecoverer recoverer = new DeadLetterDirectoryRecoverer(directory);
        assertThatIllegalStateException().isThrownBy(recoverer::prepare)
            .withMessageContaining(directory.toString())
            .withMessageContaining("can be written by others (mode 0777)")
            .withMessageContaining("swoole.task.dead-letter.directory");
        assertThatIllegalStateException().isThrownBy(() -> recoverer.recover(failed(1, "x")));
        assertThat(deadLetters(directory)).isEmpty();
    }

    @Test
    void aDirectoryInAWorldWritableDirectoryThatIsNotStickyIsRefused() throws Exception {
        Path open = Files.createDirectory(this.tmp.resolve("shared"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path directory = Files.createDirectory(open.resolve("dead"));
        assertThatIllegalStateException().isThrownBy(() -> new DeadLetterDirectoryRecoverer(directory).prepare())
            .withMessageContaining("which others can write to and which is not sticky");
    }

    @Test
    void aSymbolicLinkInPlaceOfTheDirectoryIsRefused() throws Exception {
        Path real = Files.createDirectory(this.tmp.resolve("real"));
        Path link = Files.createSymbolicLink(this.tmp.resolve("link"), real);
        assertThatIllegalStateException().isThrownBy(() -> new DeadLetterDirectoryRecoverer(link).prepare())
            .withMessageContaining("is a symbolic link");
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue(isRoot(), "only root can give a directory to another user");
        Path directory = Files.createDirectory(this.tmp.resolve("theirs"));
        Files.setAttribute(directory, "unix:uid", 65534);
        assertThatIllegalStateException().isThrownBy(() -> new DeadLetterDirectoryRecoverer(directory).prepare())
            .withMessageContaining("belongs to uid 65534, not to this application's user (uid 0)");
    }

    @Test
    void pastItsBoundsTheDirectoryKeepsNoMoreAndCountsWhatItDidNotKeep() throws Exception {
        Path directory = Files.createDirectory(this.tmp.resolve("bounded"));
        Files.writeString(directory.resolve("1-task1.deadletter"), "left by an earlier run");
        DeadLetterDirectoryRecoverer recoverer = new DeadLetterDirectoryRecoverer(directory, 3, 1 << 20);
        recoverer.recover(failed(2, "a"));
        recoverer.recover(failed(3, "b"));
        String note = recoverer.recover(failed(4, "c"));
        assertThat(note).startsWith("not kept: the dead-letter directory").endsWith("is full");
        assertThat(deadLetters(directory)).hasSize(3);
        assertThat(recoverer.keptCount()).isEqualTo(2);
        assertThat(recoverer.notKeptCount()).isEqualTo(1);

        DeadLetterDirectoryRecoverer bytesBound = new DeadLetterDirectoryRecoverer(
                Files.createDirectory(this.tmp.resolve("small")), 100, 300);
        bytesBound.recover(failed(5, "x".repeat(10)));
        bytesBound.recover(failed(6, "x".repeat(200)));
        assertThat(bytesBound.keptCount()).isEqualTo(1);
        assertThat(bytesBound.notKeptCount()).isEqualTo(1);
    }

    private static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }
}
