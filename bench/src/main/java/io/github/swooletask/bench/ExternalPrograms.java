package io.github.swooletask.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds and prepares the programs the benchmark runs besides Java: the C baseline {@code bench/c/msgq_baseline.c},
 * compiled with gcc into the run's temporary directory, and the PHP producer {@code bench/php/producer.php}. The
 * {@code bench} directory is looked up from the working directory ({@code ./bench} or {@code .}), from the jar's or
 * class directory's location ({@code bench/target/...}), or from {@code -Dbench.home}.
 */
final class ExternalPrograms {

    static final String C_SOURCE = "c/msgq_baseline.c";

    static final String PHP_PRODUCER = "php/producer.php";

    private final Path workDir;

    private Path cBinary;

    ExternalPrograms(Path workDir) {
        this.workDir = workDir;
    }

    /** Checks, before anything is measured, that every program the options need is there. */
    void preflight(BenchOptions options) throws InterruptedException {
        if (options.baselineC() || options.externalProducer() != null) {
            cBaseline();
        }
        if ("php".equals(options.externalProducer())) {
            phpProducer();
        }
    }

    /** The compiled C baseline; compiles it on first use. */
    synchronized Path cBaseline() throws InterruptedException {
        if (this.cBinary != null) {
            return this.cBinary;
        }
        Path source = find(C_SOURCE);
        if (source == null) {
            throw new IllegalStateException("the C baseline source " + C_SOURCE + " was not found in any of "
                    + candidates() + "; run from the project root (or bench/), or pass -Dbench.home=/path/to/bench");
        }
        requireCommand("gcc", List.of("gcc", "--version"),
                "gcc is needed to build the C baseline: install it (apt-get install gcc) or leave out --baseline c"
                        + " and --external-producer");
        Path binary = this.workDir.resolve("msgq_baseline");
        ChildProcess.run("gcc", List.of("gcc", "-std=c11", "-O2", "-pthread", "-o", binary.toString(),
                source.toString()), 120);
        this.cBinary = binary;
        return binary;
    }

    /** The command that runs the PHP producer, checked to have PHP with sysvmsg. */
    List<String> phpProducer() throws InterruptedException {
        Path script = find(PHP_PRODUCER);
        if (script == null) {
            throw new IllegalStateException("the PHP producer " + PHP_PRODUCER + " was not found in any of "
                    + candidates() + "; run from the project root (or bench/), or pass -Dbench.home=/path/to/bench");
        }
        requireCommand("php", List.of("php", "-r", "exit(function_exists('msg_send') ? 0 : 3);"),
                "php with the sysvmsg extension is needed for --external-producer php (apt-get install php-cli)");
        return List.of("php", script.toString());
    }

    /** The command of an external producer posting {@code tasks} tasks to queue {@code key}. */
    List<String> producerCommand(String kind, int key, int payload, long tasks) throws InterruptedException {
        List<String> command = new ArrayList<>();
        String hex = String.format("0x%08x", key);
        if (kind.equals("php")) {
            command.addAll(phpProducer());
            command.addAll(List.of(hex, Long.toString(tasks), Integer.toString(payload)));
        }
        else {
            command.addAll(List.of(cBaseline().toString(), "--producer-only", hex, "--payload",
                    Integer.toString(payload), "--tasks", Long.toString(tasks)));
        }
        return command;
    }

    private static void requireCommand(String name, List<String> probe, String advice) throws InterruptedException {
        try {
            ChildProcess.run(name, probe, 60);
        }
        catch (IllegalStateException ex) {
            throw new IllegalStateException(advice + " (" + ex.getMessage().lines().findFirst().orElse("") + ")", ex);
        }
    }

    private static Path find(String relative) {
        for (Path dir : candidates()) {
            Path file = dir.resolve(relative);
            if (Files.isRegularFile(file)) {
                return file.toAbsolutePath().normalize();
            }
        }
        return null;
    }

    /** Directories that may be {@code bench}, most specific first. */
    static List<Path> candidates() {
        Set<Path> dirs = new LinkedHashSet<>();
        String home = System.getProperty("bench.home");
        if (home != null && !home.isBlank()) {
            dirs.add(Path.of(home).toAbsolutePath().normalize());
        }
        Path cwd = Path.of("").toAbsolutePath();
        dirs.add(cwd.resolve("bench"));
        dirs.add(cwd);
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            // bench/target/swoole-task-bench.jar or bench/target/classes: two levels up is bench
            Path path = Path.of(entry).toAbsolutePath().normalize();
            Path target = path.getParent();
            if (target != null && target.getParent() != null) {
                dirs.add(target.getParent());
            }
        }
        return new ArrayList<>(dirs);
    }
}
