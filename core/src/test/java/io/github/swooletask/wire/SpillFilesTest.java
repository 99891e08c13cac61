package io.github.swooletask.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.transport.FrameBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The security rules of spill files: only a regular, singly linked {@code swoole.task*} file directly inside tmpdir
 * is read (and then deleted); anything else is rejected and left untouched.
 */
class SpillFilesTest {

    private static final byte[] SECRET = "top secret, do not read or delete".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** Somewhere else: spill paths must never reach in here. */
    @TempDir
    Path other;

    private SpillFiles spill;

    @BeforeEach
    void setUp() {
        this.spill = new SpillFiles(this.tmp, 1 << 20);
    }

    private FrameRejectedException rejected(String path, int declared) {
        FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class,
                () -> this.spill.readAndDelete(path, declared));
        assertThat(ex).as("reading %s must be rejected", path).isNotNull();
        assertThat(ex.getMessage()).startsWith(ex.reason().tag() + ": ");
        return ex;
    }

    private Path secretOutside(String name) throws Exception {
        return Files.write(this.other.resolve(name), SECRET);
    }

    private static void assertUntouched(Path file) throws Exception {
        assertThat(file).exists();
        assertThat(Files.readAllBytes(file)).containsExactly(SECRET);
    }

    private List<String> namesIn(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map((p) -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aValidSpillFileIsReadAndDeleted() throws Exception {
        Path file = Files.write(this.tmp.resolve("swoole.taskAbc123"), SECRET);
        byte[] data = this.spill.readAndDelete(file.toString(), SECRET.length);
        assertThat(data).containsExactly(SECRET);
        assertThat(file).doesNotExist();
    }

    @Test
    void anEmptySpillFileIsValidToo() throws Exception {
        Path file = Files.createFile(this.tmp.resolve("swoole.task"));
        assertThat(this.spill.readAndDelete(file.toString(), 0)).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void writeMakesAPrivateSwooleTaskFileHoldingThePartsInOrder() throws Exception {
        String path = this.spill.write(ByteBuffer.wrap(new byte[] { 1, 2 }), ByteBuffer.wrap(new byte[0]),
                ByteBuffer.wrap(new byte[] { 9, 8, 7, 6 }, 1, 2));
        Path file = Path.of(path);
        assertThat(file.isAbsolute()).isTrue();
        assertThat(file.getParent()).isEqualTo(this.tmp.toRealPath());
        assertThat(file.getFileName().toString()).startsWith(SpillFiles.PREFIX);
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 8, 7);
        assertThat(Files.getPosixFilePermissions(file))
            .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(this.spill.readAndDelete(path, 4)).containsExactly(1, 2, 8, 7);
        assertThat(file).doesNotExist();
    }

    @Test
    void aPathOutsideTmpdirIsRejected() throws Exception {
        Path outside = secretOutside("swoole.taskOUT");
        FrameRejectedException ex = rejected(outside.toString(), SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("outside").contains(outside.toString());
        assertUntouched(outside);
    }

    @Test
    void aDotDotPathLeavingTmpdirIsRejected() throws Exception {
        Path outside = secretOutside("swoole.taskX");
        String sneaky = this.tmp + "/../" + this.other.getFileName() + "/swoole.taskX";
        assertThat(Path.of(sneaky)).as("the sneaky path really names the outside file").exists();
        assertThat(Files.isSameFile(Path.of(sneaky), outside)).isTrue();
        FrameRejectedException ex = rejected(sneaky, SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("outside").contains("/../");
        assertUntouched(outside);
    }

    @Test
    void aDotDotAsTheFileNameIsRejected() throws Exception {
        Files.createDirectory(this.tmp.resolve("swoole.taskDIR"));
        FrameRejectedException ex = rejected(this.tmp + "/swoole.taskDIR/..", 0);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(this.tmp.resolve("swoole.taskDIR")).isDirectory();
    }

    @Test
    void aDotDotThatStaysInsideTmpdirIsFine() throws Exception {
        Files.createDirectory(this.tmp.resolve("sub"));
        Path file = Files.write(this.tmp.resolve("swoole.taskIN"), SECRET);
        assertThat(this.spill.readAndDelete(this.tmp + "/sub/../swoole.taskIN", SECRET.length)).containsExactly(SECRET);
        assertThat(file).doesNotExist();
    }

    @Test
    void aSymlinkInTmpdirPointingOutsideIsRejected() throws Exception {
        Path outside = secretOutside("secret.txt");
        Path link = Files.createSymbolicLink(this.tmp.resolve("swoole.taskLINK"), outside);
        FrameRejectedException ex = rejected(link.toString(), SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("symbolic link").contains("swoole.taskLINK");
        assertUntouched(outside);
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void aSymlinkToAFileInsideTmpdirIsRejectedToo() throws Exception {
        Path target = Files.write(this.tmp.resolve("swoole.taskREAL"), SECRET);
        Path link = Files.createSymbolicLink(this.tmp.resolve("swoole.taskALIAS"), target);
        assertThat(rejected(link.toString(), SECRET.length).reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertUntouched(target);
    }

    @Test
    void aPathThroughASymlinkedDirectoryIsRejected() throws Exception {
        Path outside = secretOutside("swoole.taskVIA");
        Path linkedDir = Files.createSymbolicLink(this.tmp.resolve("linked"), this.other);
        String path = linkedDir + "/swoole.taskVIA";
        assertThat(Path.of(path)).exists();
        FrameRejectedException ex = rejected(path, SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("outside");
        assertUntouched(outside);
    }

    @Test
    void aHardLinkedFileIsRejected() throws Exception {
        Path outside = secretOutside("secret.bin");
        Path link = Files.createLink(this.tmp.resolve("swoole.taskHARD"), outside);
        assertThat(Files.getAttribute(link, "unix:nlink")).isEqualTo(2);
        FrameRejectedException ex = rejected(link.toString(), SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("hard link");
        assertUntouched(outside);
        assertUntouched(link);
    }

    @Test
    void aFileNotNamedSwooleTaskIsRejected() throws Exception {
        Path file = Files.write(this.tmp.resolve("data.bin"), SECRET);
        FrameRejectedException ex = rejected(file.toString(), SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("not named swoole.task*").contains("data.bin");
        assertUntouched(file);
        Path almost = Files.write(this.tmp.resolve("xswoole.task1"), SECRET);
        assertThat(rejected(almost.toString(), SECRET.length).reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertUntouched(almost);
    }

    @Test
    void aRelativePathIsRejected() throws Exception {
        Path file = Files.write(this.tmp.resolve("swoole.taskREL"), SECRET);
        for (String relative : new String[] { "swoole.taskREL", "./swoole.taskREL",
                this.tmp.toString().substring(1) + "/swoole.taskREL" }) {
            FrameRejectedException ex = rejected(relative, SECRET.length);
            assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
            assertThat(ex.getMessage()).contains("not absolute");
        }
        assertUntouched(file);
    }

    @Test
    void aFileInASubdirectoryOfTmpdirIsRejected() throws Exception {
        Path sub = Files.createDirectory(this.tmp.resolve("sub"));
        Path file = Files.write(sub.resolve("swoole.taskSUB"), SECRET);
        FrameRejectedException ex = rejected(file.toString(), SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("outside");
        assertUntouched(file);
    }

    @Test
    void aDirectoryNamedLikeASpillFileIsRejected() throws Exception {
        Path dir = Files.createDirectory(this.tmp.resolve("swoole.taskD"));
        FrameRejectedException ex = rejected(dir.toString(), 0);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("not a regular file");
        assertThat(dir).isDirectory();
    }

    @Test
    void aMissingFileIsRejected() {
        String path = this.tmp.resolve("swoole.taskGONE").toString();
        FrameRejectedException ex = rejected(path, 10);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_MISSING);
        assertThat(ex.getMessage()).contains("does not exist").contains("swoole.taskGONE");
        FrameRejectedException noDir = rejected(this.tmp.resolve("nope/swoole.taskX").toString(), 10);
        assertThat(noDir.reason()).isEqualTo(RejectReason.SPILL_PATH);
    }

    @Test
    void aSizeMismatchIsRejectedAndTheFileKept() throws Exception {
        Path file = Files.write(this.tmp.resolve("swoole.taskSIZE"), SECRET);
        for (int declared : new int[] { SECRET.length - 1, SECRET.length + 1, 0 }) {
            FrameRejectedException ex = rejected(file.toString(), declared);
            assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_SIZE);
            assertThat(ex.getMessage()).contains("holds " + SECRET.length + " bytes")
                .contains("declares " + declared);
            assertUntouched(file);
        }
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRejected() throws Exception {
        SpillFiles small = new SpillFiles(this.tmp, 16);
        Path file = Files.write(this.tmp.resolve("swoole.taskBIG"), SECRET);
        FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class,
                () -> small.readAndDelete(file.toString(), SECRET.length));
        assertThat(ex.reason()).isEqualTo(RejectReason.OVERSIZE);
        assertThat(ex.getMessage()).contains(Integer.toString(SECRET.length)).contains("limit of 16");
        assertUntouched(file);
        FrameRejectedException negative = rejected(file.toString(), -1);
        assertThat(negative.reason()).isEqualTo(RejectReason.OVERSIZE);
        FrameRejectedException huge = rejected(file.toString(), Integer.MAX_VALUE);
        assertThat(huge.reason()).isEqualTo(RejectReason.OVERSIZE);
        assertUntouched(file);
    }

    @Test
    void unprintableBytesInARejectedPathAreEscaped() throws Exception {
        FrameRejectedException ex = rejected("relative\u001b[31m/swoole.task", 1);
        assertThat(ex.getMessage()).doesNotContain("\u001b").contains("relative\\e[31m");
    }

    @Test
    void sweepDeletesOnlyOldSpillFiles() throws Exception {
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
        Path oldSpill = Files.write(this.tmp.resolve("swoole.taskOLD"), SECRET);
        Files.setLastModifiedTime(oldSpill, old);
        Path newSpill = Files.write(this.tmp.resolve("swoole.taskNEW"), SECRET);
        Path oldOther = Files.write(this.tmp.resolve("other.txt"), SECRET);
        Files.setLastModifiedTime(oldOther, old);
        Path oldDir = Files.createDirectory(this.tmp.resolve("swoole.taskDIR"));
        Files.setLastModifiedTime(oldDir, old);
        Path outside = secretOutside("target");
        Files.setLastModifiedTime(outside, old);
        Files.createSymbolicLink(this.tmp.resolve("swoole.taskLINK"), outside);

        assertThat(this.spill.sweep(Duration.ofHours(1))).isEqualTo(1);
        assertThat(oldSpill).doesNotExist();
        assertThat(namesIn(this.tmp)).containsExactly("other.txt", "swoole.taskDIR", "swoole.taskLINK",
                "swoole.taskNEW");
        assertUntouched(outside);
        assertUntouched(newSpill);

        assertThat(this.spill.sweep(Duration.ofHours(1))).isZero();
        assertThat(this.spill.sweep(Duration.ZERO.minusSeconds(60))).as("a negative age takes every spill file")
            .isEqualTo(1);
        assertThat(newSpill).doesNotExist();
        assertUntouched(outside);
    }

    @Test
    void theSpillDirectoryMustExistAndBeADirectory() throws Exception {
        assertThatThrownBy(() -> new SpillFiles(this.tmp.resolve("missing"), 10))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        Path file = Files.write(this.tmp.resolve("plain"), SECRET);
        assertThatThrownBy(() -> new SpillFiles(file, 10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not a directory");
        assertThatThrownBy(() -> new SpillFiles(this.tmp, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSpillDirectoryTooLongForTheSpillBodyIsRefused() throws Exception {
        Path deep = Files.createDirectories(this.tmp.resolve("d".repeat(120)));
        assertThatThrownBy(() -> new SpillFiles(deep, 10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("too long");
    }

    /**
     * The spill body holds the path as UTF-8 bytes, so the length limit is one of bytes: a directory whose name is
     * short in characters but long in bytes must be refused too, or spilled paths are cut and their files leak.
     */
    @Test
    void theSpillDirectoryLengthIsCountedInUtf8Bytes() throws Exception {
        Path wide;
        try {
            wide = this.tmp.resolve("é".repeat(60));
        }
        catch (InvalidPathException ex) {
            assumeTrue(false, "the JVM's file name encoding cannot represent non-ASCII names: " + ex.getMessage());
            return;
        }
        Files.createDirectories(wide);
        int bytes = wide.toRealPath().toString().getBytes(StandardCharsets.UTF_8).length;
        assertThat(bytes + 1 + SpillFiles.PREFIX.length() + 20).isGreaterThan(TaskFrame.MAX_SPILL_PATH);
        assertThatThrownBy(() -> new SpillFiles(wide, 1 << 20)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("too long");
    }

    @Test
    void aNonAsciiSpillDirectoryThatFitsWorksEndToEnd() throws Exception {
        Path wide;
        try {
            wide = Files.createDirectories(this.tmp.resolve("spïll-ü"));
        }
        catch (InvalidPathException ex) {
            assumeTrue(false, "the JVM's file name encoding cannot represent non-ASCII names: " + ex.getMessage());
            return;
        }
        SpillFiles files = new SpillFiles(wide, 1 << 20);
        FrameEncoder encoder = new FrameEncoder(files);
        FrameDecoder decoder = new FrameDecoder(files);
        ByteBuffer text = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
        byte[] payload = new byte[20_000];
        Arrays.fill(payload, (byte) 'q');
        int length = encoder.encode(text, OutgoingTask.of(0, payload), 1, 0, 0);
        assertThat(namesIn(wide)).hasSize(1);
        DecodedTask task = new DecodedTask();
        decoder.decode(text, length, task);
        assertThat(task.payloadBytes()).containsExactly(payload);
        assertThat(namesIn(wide)).isEmpty();
    }

    @Test
    void aSpillFileOfAnotherUserIsRejectedAndKeptUnlessThatUserIsTrusted() throws Exception {
        assumeTrue(isRoot(), "only root can give a file to another user");
        Path file = Files.write(this.tmp.resolve("swoole.taskForeign"), SECRET);
        Files.setAttribute(file, "unix:uid", 12345);
        FrameRejectedException ex = rejected(file.toString(), SECRET.length);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("belongs to uid 12345").contains("swoole.task.trusted-producer-uids");
        assertUntouched(file);
        SpillFiles trusting = new SpillFiles(this.tmp, 1 << 20, List.of(12345, 777));
        assertThat(trusting.trustedProducerUids()).containsExactly(777, 12345);
        assertThat(trusting.readAndDelete(file.toString(), SECRET.length)).containsExactly(SECRET);
        assertThat(file).doesNotExist();
    }

    @Test
    void aFifoNamedLikeASpillFileIsRejectedWithoutBlocking() throws Exception {
        Path fifo = this.tmp.resolve("swoole.taskFifo");
        assumeTrue(mkfifo(fifo), "mkfifo is needed");
        FrameRejectedException ex = rejected(fifo.toString(), 0);
        assertThat(ex.reason()).isEqualTo(RejectReason.SPILL_PATH);
        assertThat(ex.getMessage()).contains("is a FIFO");
        assertThat(fifo).exists();
    }

    @Test
    void aReplyFileIsSharedThroughItsDescriptorAndASwappedNameIsNot() throws Exception {
        String path = this.spill.write(ByteBuffer.wrap(SECRET));
        int gid = (Integer) Files.getAttribute(this.other, "unix:gid");
        assertThat(this.spill.share(path, gid)).isTrue();
        assertThat(Files.getPosixFilePermissions(Path.of(path))).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ);
        // a symlink put at the name is not followed: the file it points to keeps its mode
        Path target = secretOutside("target");
        Files.setPosixFilePermissions(target, Set.of(PosixFilePermission.OWNER_READ));
        Files.delete(Path.of(path));
        Files.createSymbolicLink(Path.of(path), target);
        assertThatThrownBy(() -> this.spill.share(path, gid)).isInstanceOf(SpillFiles.UncheckedSpillException.class);
        assertThat(Files.getPosixFilePermissions(target)).containsExactly(PosixFilePermission.OWNER_READ);
    }

    static boolean isRoot() throws Exception {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    static boolean mkfifo(Path... fifos) throws Exception {
        List<String> command = new ArrayList<>(List.of("mkfifo", "-m", "600"));
        for (Path fifo : fifos) {
            command.add(fifo.toString());
        }
        try {
            return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
        }
        catch (IOException ex) {
            return false;
        }
    }
}
