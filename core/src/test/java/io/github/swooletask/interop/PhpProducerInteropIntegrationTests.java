package io.github.swooletask.interop;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.swooletask.interop.LivePool.Received;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real PHP processes post tasks with {@code msg_send} the way Swoole's external client does; the Java workers must
 * receive every one intact in mode 2 (PHP's mtype 2 reaches worker 0) and mode 3.
 */
class PhpProducerInteropIntegrationTests {

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.keyedQueue(0x51570001, 0x5157ffff);

    @TempDir
    Path tmp;

    @TempDir
    Path specDir;

    private LivePool live;

    @BeforeAll
    static void phpIsInstalled() {
        Php.requireWithSysvmsg();
    }

    @AfterEach
    void tearDown() {
        if (this.live != null) {
            this.live.close();
        }
    }

    /** One task for producer.php and what the Java side must see. */
    private record Case(String label, boolean raw, Object spec, Object expected, Boolean spilled) {

        static Case text(String label, String text, Boolean spilled) {
            return new Case(label, true, text, text, spilled);
        }

        static Case value(String label, Object spec, Object expected, Boolean spilled) {
            return new Case(label, false, spec, expected, spilled);
        }
    }

    private static Map<Object, Object> map(Object... keysAndValues) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(Case.text("plain", "Hello from PHP!", false));
        cases.add(Case.text("utf-8", "Grüße aus Köln – 東京 🚀 ½", false));
        cases.add(Case.text("empty", "", false));
        cases.add(Case.text("8179 bytes", "a".repeat(8179), false));
        cases.add(Case.text("8180 bytes", "b".repeat(8180), true));
        StringBuilder big = new StringBuilder();
        for (int row = 0; big.length() < 100 * 1024; row++) {
            big.append("row ").append(row).append(": grüße ✓\n");
        }
        cases.add(Case.text("100 KB", big.toString(), true));
        cases.add(Case.value("int", 42L, 42L, false));
        cases.add(Case.value("list", List.of(1L, 2L, 3L), List.of(1L, 2L, 3L), false));
        cases.add(Case.value("empty array", List.of(), List.of(), false));
        cases.add(Case.value("assoc", map("name", "Zoë", "n", 5L, "ok", true, "none", null, "half", 0.5),
                map("name", "Zoë", "n", 5L, "ok", true, "none", null, "half", 0.5), false));
        cases.add(Case.value("nested",
                map("users", List.of(map("id", 1L, "tags", List.of("a", "b")), map("id", 2L, "tags", List.of())),
                        "meta", map("5", "five", "7", "seven"), "deep", List.of(List.of(List.of("x")))),
                map("users", List.of(map("id", 1L, "tags", List.of("a", "b")), map("id", 2L, "tags", List.of())),
                        "meta", map(5L, "five", 7L, "seven"), "deep", List.of(List.of(List.of("x")))),
                false));
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            items.add(String.format("element-%05d-ünï", i));
        }
        cases.add(Case.value("20 KB array", items, items, true));
        return cases;
    }

    // ---------------------------------------------------------------- a tiny JSON writer for the spec file

    private static void json(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        }
        else if (value instanceof String text) {
            out.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        }
                        else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
        else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        }
        else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                json(list.get(i), out);
            }
            out.append(']');
        }
        else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                json(entry.getKey().toString(), out);
                out.append(':');
                json(entry.getValue(), out);
            }
            out.append('}');
        }
        else {
            throw new IllegalArgumentException("no JSON for " + value.getClass());
        }
    }

    private Path writeSpec(List<Case> cases) throws IOException {
        List<Object> tasks = new ArrayList<>();
        for (Case c : cases) {
            tasks.add(Map.of(c.raw() ? "string" : "value", (c.spec() == null) ? "" : c.spec()));
        }
        StringBuilder out = new StringBuilder();
        json(tasks, out);
        return Files.writeString(this.specDir.resolve("spec.json"), out, StandardCharsets.UTF_8);
    }

    private static Path producerScript() throws Exception {
        URL url = PhpProducerInteropIntegrationTests.class.getResource("/php/producer.php");
        assertThat(url).as("test resource php/producer.php").isNotNull();
        return Path.of(url.toURI());
    }

    private List<String> namesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map((p) -> p.getFileName().toString()).toList();
        }
    }

    private static List<Received> byTaskId(List<Received> received) {
        List<Received> sorted = new ArrayList<>(received);
        sorted.sort(Comparator.comparingInt(Received::taskId));
        return sorted;
    }

    // ---------------------------------------------------------------- producer.php

    @ParameterizedTest(name = "mode {0}, {1} worker(s)")
    @CsvSource({ "MSGQUEUE, 1", "MSGQUEUE, 3", "MSGQUEUE_PREEMPTIVE, 2" })
    void tasksFromPhpArriveIntact(IpcMode mode, int workers) throws Exception {
        List<Case> cases = cases();
        Path spec = writeSpec(cases);
        this.live = LivePool.on(this.queues.queue(), mode, workers, LivePool.spillFiles(this.tmp));
        String key = (workers % 2 == 0) ? this.live.queue.keyHex() : Integer.toString(this.live.queue.key());

        Php.Result result = Php.runScript(producerScript(), key, this.tmp.toString(), spec.toString());
        assertThat(result.stdout()).isEqualTo("sent " + cases.size() + "\n");

        List<Received> received = byTaskId(this.live.awaitReceived(cases.size()));
        assertThat(received).extracting(Received::taskId)
            .containsExactlyElementsOf(IntStream.rangeClosed(1, cases.size()).boxed().toList());
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Received r = received.get(i);
            assertThat(r.fromId()).as(c.label()).isZero();
            assertThat(r.mtype()).as(c.label()).isEqualTo(2);
            assertThat(r.route()).as(c.label()).isNull();
            if (mode == IpcMode.MSGQUEUE) {
                assertThat(r.workerId()).as("%s: mtype 2 is worker 0's in mode 2", c.label()).isZero();
            }
            int expectedFlags = TaskFlags.NONBLOCK | (c.raw() ? 0 : TaskFlags.SERIALIZE);
            if (c.spilled() != null) {
                expectedFlags |= c.spilled() ? TaskFlags.TMPFILE : 0;
                assertThat(r.flags()).as("%s flags", c.label()).isEqualTo(expectedFlags);
            }
            else {
                assertThat(r.flags() & ~TaskFlags.TMPFILE).as("%s flags", c.label()).isEqualTo(expectedFlags);
            }
            if (c.raw()) {
                assertThat(r.text()).as(c.label()).isEqualTo(c.expected());
                assertThat(r.value()).isNull();
            }
            else {
                assertThat(r.value()).as(c.label()).isEqualTo(c.expected());
            }
        }
        Received assoc = received.get(9);
        assertThat(new ArrayList<Object>(((Map<?,
                ?>) assoc.value()).keySet())).as("insertion order").containsExactly("name", "n", "ok",
                "none", "half");
        assertThat(this.live.received).hasSize(cases.size());
        assertThat(this.live.pool.statistics().rejectedCount()).isZero();
        this.live.assertWorkersAlive();
        assertThat(namesIn(this.tmp)).as("spill files left behind").isEmpty();
    }

    @Test
    void producerTaskIdsAndSpillFilesAreSwooleShaped() throws Exception {
        // two producers in turn both count task ids from 1, as Swoole's client does
        List<Case> cases = List.of(Case.text("one", "x".repeat(9000), true), Case.value("two", List.of(7L),
                List.of(7L), false));
        Path spec = writeSpec(cases);
        this.live = LivePool.on(this.queues.queue(), IpcMode.MSGQUEUE_PREEMPTIVE, 1, LivePool.spillFiles(this.tmp));
        Php.runScript(producerScript(), this.live.queue.keyHex(), this.tmp.toString(), spec.toString());
        Php.runScript(producerScript(), this.live.queue.keyHex(), this.tmp.toString(), spec.toString());
        List<Received> received = new ArrayList<>(this.live.awaitReceived(4));
        assertThat(received).extracting(Received::taskId).containsExactly(1, 2, 1, 2);
        assertThat(received).extracting(Received::flags).containsExactly(5, 6, 5, 6);
        assertThat(received.get(0).payload()).hasSize(9000);
        assertThat(namesIn(this.tmp)).isEmpty();
    }

    // ---------------------------------------------------------------- the reference client, unchanged

    /** The repository root: the nearest directory upwards whose pom.xml lists the core module. */
    static Path repositoryRoot() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>core</module>")) {
                return dir;
            }
            dir = dir.getParent();
        }
        fail("no pom.xml with <module>core</module> above " + System.getProperty("user.dir"));
        return null;
    }

    private static Path referenceClient() throws IOException {
        Path root = repositoryRoot();
        Path client = root.resolve("../shared/reference/SwooleTask.php").normalize();
        if (!Php.isReadableFile(client)) {
            String why = "the reference client " + client + " (../shared/reference/SwooleTask.php beside the"
                    + " repository root " + root + ") is absent";
            if (System.getenv("CI") != null) {
                fail(why + ", and CI is set: CI must provide a copy of shared/ beside the clone");
            }
            assumeTrue(false, why + "; skipping the reference-client tests outside CI");
        }
        return client;
    }

    private static Map<String, Long> tmpSpillFiles() throws IOException {
        Map<String, Long> files = new HashMap<>();
        try (Stream<Path> list = Files.list(Path.of("/tmp"))) {
            for (Path file : list.filter((p) -> p.getFileName().toString().startsWith(SpillFiles.PREFIX)).toList()) {
                try {
                    files.put(file.getFileName().toString(), Files.size(file));
                }
                catch (IOException ex) {
                    // gone meanwhile
                }
            }
        }
        return files;
    }

    @ParameterizedTest(name = "mode {0}, {1} worker(s)")
    @CsvSource({ "MSGQUEUE, 1", "MSGQUEUE, 2", "MSGQUEUE_PREEMPTIVE, 2" })
    void theReferenceClientDeliversUnchanged(IpcMode mode, int workers) throws Exception {
        Path client = referenceClient();
        this.live = LivePool.on(this.queues.queue(), mode, workers, LivePool.spillFiles(Path.of("/tmp")));
        int count = 200;
        String text = "Hello from the reference client, mode " + mode.number() + "!";
        String key = (mode == IpcMode.MSGQUEUE) ? this.live.queue.keyHex() : Integer.toString(this.live.queue.key());
        Php.Result result = Php.runScript(client, key, Integer.toString(count), text);
        assertThat(result.stdout()).isEqualTo("Sending text to msg queue.\n");
        List<Received> received = byTaskId(this.live.awaitReceived(count));
        assertThat(received).hasSize(count);
        assertThat(received).extracting(Received::taskId)
            .containsExactlyElementsOf(IntStream.rangeClosed(1, count).boxed().toList());
        assertThat(received).allSatisfy((r) -> {
            assertThat(r.text()).isEqualTo(text);
            assertThat(r.flags()).isEqualTo(TaskFlags.NONBLOCK);
            assertThat(r.mtype()).isEqualTo(2);
            if (mode == IpcMode.MSGQUEUE) {
                assertThat(r.workerId()).isZero();
            }
        });
        assertThat(this.live.pool.statistics().rejectedCount()).isZero();
        this.live.assertWorkersAlive();
    }

    @Test
    void theReferenceClientSpillsLongTextIntoTmpAndTheWorkersDeleteIt() throws Exception {
        Path client = referenceClient();
        this.live = LivePool.on(this.queues.queue(), IpcMode.MSGQUEUE_PREEMPTIVE, 2,
                LivePool.spillFiles(Path.of("/tmp")));
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 9000; i++) {
            text.append(i % 10);
        }
        int count = 5;
        Map<String, Long> before = tmpSpillFiles();
        Php.runScript(client, this.live.queue.keyHex(), Integer.toString(count), text.toString());
        List<Received> received = byTaskId(this.live.awaitReceived(count));
        assertThat(received).extracting(Received::taskId).containsExactly(1, 2, 3, 4, 5);
        assertThat(received).allSatisfy((r) -> {
            assertThat(r.flags()).isEqualTo(TaskFlags.NONBLOCK | TaskFlags.TMPFILE);
            assertThat(r.text()).isEqualTo(text.toString());
        });
        Map<String, Long> left = tmpSpillFiles();
        left.keySet().removeAll(before.keySet());
        left.values().removeIf((size) -> size != 9000L);
        assertThat(left).as("spill files of this run left in /tmp").isEmpty();
        assertThat(this.live.pool.statistics().rejectedCount()).isZero();
        this.live.assertWorkersAlive();
    }

    /**
     * The reference client always spills into {@code /tmp/}: an app whose tmpdir is elsewhere must refuse those
     * paths (and go on), and the file stays where PHP put it. The test removes the files it caused.
     */
    @Test
    void theReferenceClientsSpillIsRefusedWhenTmpdirIsElsewhere() throws Exception {
        Path client = referenceClient();
        this.live = LivePool.on(this.queues.queue(), IpcMode.MSGQUEUE_PREEMPTIVE, 1, LivePool.spillFiles(this.tmp));
        String text = "z".repeat(8999) + "!";
        Map<String, Long> before = tmpSpillFiles();
        try {
            Php.runScript(client, this.live.queue.keyHex(), "2", text);
            Php.runScript(client, this.live.queue.keyHex(), "1", "small enough to travel inline");
            List<Received> received = this.live.awaitReceived(1);
            assertThat(received).extracting(Received::text).containsExactly("small enough to travel inline");
            assertThat(this.live.pool.statistics().rejectedCount(RejectReason.SPILL_PATH))
                .isEqualTo(2);
            this.live.assertWorkersAlive();
        }
        finally {
            Map<String, Long> after = tmpSpillFiles();
            after.keySet().removeAll(before.keySet());
            int removed = 0;
            for (Map.Entry<String, Long> entry : after.entrySet()) {
                Path file = Path.of("/tmp", entry.getKey());
                if (entry.getValue() == 9000L && Files.readString(file).equals(text)) {
                    Files.delete(file);
                    removed++;
                }
            }
            assertThat(removed).as("the refused spill files were left in /tmp by design").isEqualTo(2);
        }
    }
}
