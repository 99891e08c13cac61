package io.github.swooletask.wire;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.support.FileSystemUser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Spill files swapped while workers read them. The spill directory is sticky and world-writable, as {@code /tmp} is;
 * the application (root) trusts the producer, uid {@value #PRODUCER}, whose threads here run with that user's file
 * rights ({@link FileSystemUser}), so the kernel allows them exactly what that user could do. For each of two readers
 * (as two workers) the producer writes a valid spill file and, while it is read, puts at its name a hard link to a
 * root-only file of the same size (made as if {@code fs.protected_hardlinks} were 0), or flips the name between the
 * file and a FIFO or a symbolic link to the root-only file. No foreign content may ever be delivered and no reader may
 * block.
 */
class SpillSwapRaceTest {

    private static final int PRODUCER = 12345;

    private static final int READERS = 2;

    private static final int ROUNDS = 1000;

    private static final int FIFOS_PER_READER = 1;

    private static final byte[] GOOD = "good spill: the task's payload!!".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] SECRET = "secret: root only, never deliver".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @TempDir
    Path other;

    @Test
    void swappedFilesAreNeverReadAndNoReaderBlocks() throws Exception {
        assumeTrue(SpillFilesTest.isRoot(), "playing another user needs root");
        // of one size: the size check cannot tell them apart, only what is opened can
        assertThat(SECRET).hasSameSizeAs(GOOD);
        Files.setAttribute(this.tmp, "unix:mode", 01777);
        Path secret = Files.write(this.other.resolve("secret"), SECRET);
        Files.setPosixFilePermissions(secret, Set.of(PosixFilePermission.OWNER_READ));
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20, List.of(PRODUCER));
        Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
        Map<RejectReason, AtomicInteger> rejected = new ConcurrentHashMap<>();
        AtomicInteger swaps = new AtomicInteger();
        AtomicInteger refusedByKernel = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Pair> pairs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int r = 0; r < READERS; r++) {
                Pair pair = new Pair(r, makeFifos(r));
                pairs.add(pair);
                threads.add(thread("producer-" + r, failure, () -> produce(pair, secret, swaps, refusedByKernel)));
                threads.add(thread("reader-" + r, failure, () -> read(pair, spill, delivered, rejected)));
            }
            threads.forEach(Thread::start);
            // a reader stuck in open() of a FIFO never finishes its rounds
            try {
                await().atMost(Duration.ofSeconds(120))
                    .until(() -> failure.get() != null || pairs.stream().allMatch((pair) -> pair.readerDone));
            }
            catch (ConditionTimeoutException ex) {
                StringBuilder stacks = new StringBuilder();
                for (Thread thread : threads) {
                    stacks.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
                    for (StackTraceElement frame : thread.getStackTrace()) {
                        stacks.append("    at ").append(frame).append('\n');
                    }
                }
                fail("the readers did not finish their rounds within 2 minutes; where they are:\n" + stacks);
            }
        }
        finally {
            pairs.forEach((pair) -> pair.stop = true);
            releaseBlockedReaders();
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }
        System.out.printf("SpillSwapRaceTest: %d rounds, %d swaps (%d refused by the kernel), delivered %s,"
                + " rejected %s%n", READERS * ROUNDS, swaps.get(), refusedByKernel.get(), delivered, rejected);
        assertThat(failure.get()).isNull();
        assertThat(delivered.keySet()).as("only valid spills delivered").containsOnly("good");
        assertThat(delivered.get("good").get()).as("valid spills delivered").isPositive();
        assertThat(rejected).as("the swaps hit the readers").isNotEmpty();
        assertThat(Files.readAllBytes(secret)).containsExactly(SECRET);
    }

    private static Thread thread(String name, AtomicReference<Throwable> failure, FileSystemUser.FileAction body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            }
            catch (Throwable ex) {
                failure.compareAndSet(null, ex);
            }
        }, name);
        thread.setDaemon(true);
        return thread;
    }

    /** FIFOs of the producer, made by root (mkfifo) and given to it. */
    private Deque<Path> makeFifos(int reader) throws Exception {
        Path[] paths = new Path[FIFOS_PER_READER];
        for (int i = 0; i < paths.length; i++) {
            paths[i] = this.tmp.resolve("fifo-" + reader + "-" + i);
        }
        assumeTrue(SpillFilesTest.mkfifo(paths), "mkfifo is needed");
        for (Path fifo : paths) {
            Files.setAttribute(fifo, "unix:uid", PRODUCER, LinkOption.NOFOLLOW_LINKS);
        }
        return new ArrayDeque<>(List.of(paths));
    }

    /**
     * The producer: a valid spill file per round, then, while the reader is at it, either (odd rounds) the file
     * replaced by a hard link to the root-only file, which it cannot undo, or (even rounds) the name flipped between
     * the file and a FIFO or a symbolic link of its own ({@code RENAME_EXCHANGE}), as fast as it goes.
     */
    private void produce(Pair pair, Path secret, AtomicInteger swaps, AtomicInteger refused) throws IOException {
        FileSystemUser.become(PRODUCER, PRODUCER);
        Random random = new Random(-pair.id);
        Path fifo = pair.fifos.pop();
        Path symlink = Files.createSymbolicLink(this.tmp.resolve("symlink-" + pair.id), secret);
        for (int round = 0; round < ROUNDS && !pair.stop; round++) {
            Path name = this.tmp.resolve(SpillFiles.PREFIX + "race-" + pair.id + "-" + round);
            Files.move(Files.write(this.tmp.resolve("good-" + pair.id + "-" + round), GOOD), name);
            pair.engaged = name;
            if (round % 2 == 1) {
                // at a random moment of the reader's checks
                long start = System.nanoTime() + random.nextInt(60_000);
                while (System.nanoTime() < start) {
                    Thread.onSpinWait();
                }
                try {
                    Files.delete(name);
                    // as if fs.protected_hardlinks were 0: this user may then link a file it cannot read
                    FileSystemUser.asRoot(PRODUCER, PRODUCER, () -> Files.createLink(name, secret));
                    swaps.incrementAndGet();
                }
                catch (FileSystemException ex) {
                    refused.incrementAndGet();
                }
            }
            for (int flip = 0; pair.readRound < round && !pair.stop; flip++) {
                Path parked = (flip % 2 == 0) ? fifo : symlink;
                try {
                    FileSystemUser.exchange(name, parked);
                    FileSystemUser.exchange(name, parked);
                    swaps.addAndGet(2);
                }
                catch (FileSystemException ex) {
                    // the reader took the file, or the name holds root's hard link, which this user may not move
                    refused.incrementAndGet();
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** A worker: reads each round's spill file once the producer has begun swapping at its name. */
    private static void read(Pair pair, SpillFiles spill, Map<String, AtomicInteger> delivered,
            Map<RejectReason, AtomicInteger> rejected) {
        Random random = new Random(pair.id);
        try {
            for (int round = 0; round < ROUNDS && !pair.stop; round++) {
                Path name;
                while (((name = pair.engaged) == null || !name.toString().endsWith("-" + round)) && !pair.stop) {
                    Thread.onSpinWait();
                }
                if (pair.stop) {
                    return;
                }
                // start at a random moment of the producer's swaps
                long start = System.nanoTime() + random.nextInt(40_000);
                while (System.nanoTime() < start) {
                    Thread.onSpinWait();
                }
                try {
                    byte[] data = spill.readAndDelete(name.toString(), GOOD.length);
                    String what = Arrays.equals(data, GOOD) ? "good" : Arrays.equals(data, SECRET) ? "secret"
                            : "other bytes";
                    delivered.computeIfAbsent(what, (key) -> new AtomicInteger()).incrementAndGet();
                }
                catch (FrameRejectedException ex) {
                    rejected.computeIfAbsent(ex.reason(), (key) -> new AtomicInteger()).incrementAndGet();
                }
                pair.readRound = round;
            }
        }
        finally {
            pair.readerDone = true;
        }
    }

    /** Opens every FIFO in tmpdir for writing once, which lets a reader blocked opening it for reading go on. */
    private void releaseBlockedReaders() throws IOException {
        try (var files = Files.list(this.tmp)) {
            for (Path file : files.toList()) {
                if (!isFifo(file)) {
                    continue;
                }
                Thread opener = new Thread(() -> {
                    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
                        out.flush();
                    }
                    catch (IOException ex) {
                        // gone meanwhile
                    }
                });
                opener.setDaemon(true);
                opener.start();
            }
        }
    }

    private static boolean isFifo(Path file) {
        try {
            return Boolean.TRUE.equals(Files.readAttributes(file, "unix:isOther", LinkOption.NOFOLLOW_LINKS)
                .get("isOther"));
        }
        catch (IOException ex) {
            return false;
        }
    }

    /** One producer and the reader of its spill files. */
    private static final class Pair {

        final int id;

        final Deque<Path> fifos;

        /** The name the producer has begun swapping at. */
        volatile @Nullable Path engaged;

        volatile int readRound = -1;

        volatile boolean readerDone;

        volatile boolean stop;

        Pair(int id, Deque<Path> fifos) {
            this.id = id;
            this.fifos = fifos;
        }
    }
}
