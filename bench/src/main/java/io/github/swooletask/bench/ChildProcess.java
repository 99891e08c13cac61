package io.github.swooletask.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An external program the benchmark runs (the C baseline, a PHP or C producer), with its output collected in the
 * background and {@code name=value} lines looked up afterwards. Closing it kills the process if it still runs.
 */
final class ChildProcess implements AutoCloseable {

    private final String label;

    private final Process process;

    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    private final Thread pump;

    /** Every child still running, so a failing or interrupted bench can end them (SIGTERM: C removes its queue). */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    private ChildProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
        this.pump = new Thread(this::pumpOutput, "bench-child-output");
        this.pump.setDaemon(true);
        this.pump.start();
    }

    /** Starts {@code command}, stderr merged into stdout. */
    static ChildProcess start(String label, List<String> command) {
        try {
            return new ChildProcess(label, new ProcessBuilder(command).redirectErrorStream(true).start());
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot start " + label + " (" + String.join(" ", command) + "): "
                    + ex.getMessage(), ex);
        }
    }

    /** Runs {@code command} to its end and returns its output; fails on a non-zero exit or a timeout. */
    static List<String> run(String label, List<String> command, long timeoutSeconds) throws InterruptedException {
        try (ChildProcess child = start(label, command)) {
            return child.await(timeoutSeconds);
        }
    }

    private void pumpOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(this.process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                this.lines.add(line);
            }
        }
        catch (IOException ex) {
            // the process went away; its exit code tells the rest
        }
    }

    /** Waits for the end; fails with the program's output on a non-zero exit or a timeout. */
    List<String> await(long timeoutSeconds) throws InterruptedException {
        if (!this.process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            close();
            throw new IllegalStateException(this.label + " did not finish within " + timeoutSeconds + " s; output:\n"
                    + output());
        }
        this.pump.join(5000);
        if (this.process.exitValue() != 0) {
            throw new IllegalStateException(this.label + " failed with exit code " + this.process.exitValue()
                    + "; output:\n" + output());
        }
        return lines();
    }

    /** Throws when the process has ended with a non-zero exit code. */
    void failIfFailed() {
        if (!this.process.isAlive() && this.process.exitValue() != 0) {
            try {
                this.pump.join(2000);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(this.label + " failed with exit code " + this.process.exitValue()
                    + "; output:\n" + output());
        }
    }

    boolean isAlive() {
        return this.process.isAlive();
    }

    List<String> lines() {
        synchronized (this.lines) {
            return List.copyOf(this.lines);
        }
    }

    private String output() {
        return String.join("\n", lines());
    }

    /** The value of the last {@code name=value} line. */
    static String value(List<String> lines, String name) {
        String prefix = name + "=";
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).trim();
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        throw new IllegalStateException("no '" + prefix + "' line in the output:\n" + String.join("\n", lines));
    }

    /** Ends every child process still running. */
    static void destroyAll() {
        for (Process process : List.copyOf(LIVE)) {
            process.destroy();
        }
    }

    @Override
    public void close() {
        if (this.process.isAlive()) {
            this.process.destroy();
            try {
                if (!this.process.waitFor(3, TimeUnit.SECONDS)) {
                    this.process.destroyForcibly();
                }
            }
            catch (InterruptedException ex) {
                this.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
