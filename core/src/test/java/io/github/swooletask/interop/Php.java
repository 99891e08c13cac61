package io.github.swooletask.interop;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the PHP CLI ({@code $PHP_BINARY}, else {@code php} on the PATH). A missing PHP is a failure, never a skip:
 * CI installs php8.2-cli.
 */
final class Php {

    private static final String BINARY = System.getenv().getOrDefault("PHP_BINARY", "php");

    record Result(int exitCode, String stdout, String stderr) {
    }

    private Php() {
    }

    /** Checks that PHP runs and has the sysvmsg extension; fails the test with a clear message if not. */
    static void requireWithSysvmsg() {
        Result result;
        try {
            result = run(List.of("-r", "echo PHP_VERSION, ' ', extension_loaded('sysvmsg') ? 'sysvmsg' : 'none';"));
        }
        catch (UncheckedIOException ex) {
            fail("PHP is required for the interop tests and could not be started as '" + BINARY
                    + "' (install php8.2-cli, or set PHP_BINARY): " + ex.getCause().getMessage());
            return;
        }
        assertThat(result.exitCode()).as("php -r exit code, stderr: %s", result.stderr()).isZero();
        assertThat(result.stdout()).as("PHP needs the sysvmsg extension (msg_send)").endsWith(" sysvmsg");
    }

    /** Runs {@code php [ini settings] args...} and returns what it did; waits up to two minutes. */
    static Result run(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(BINARY);
        command.add("-d");
        command.add("error_reporting=-1");
        command.add("-d");
        command.add("display_errors=stderr");
        command.addAll(args);
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> env = builder.environment();
            env.remove("TMPDIR");
            process = builder.start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("php did not finish within 120 s: " + command);
            }
            return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        }
        catch (InterruptedException ex) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        catch (Exception ex) {
            throw new IllegalStateException("could not collect the output of " + command, ex);
        }
    }

    /** Runs a script and requires exit code 0 and a clean stderr. */
    static Result runScript(Path script, String... args) {
        List<String> all = new ArrayList<>();
        all.add(script.toString());
        all.addAll(List.of(args));
        Result result = run(all);
        assertThat(result.exitCode()).as("exit code of php %s; stdout: %s; stderr: %s", script.getFileName(),
                result.stdout(), result.stderr()).isZero();
        assertThat(result.stderr()).as("stderr of php %s", script.getFileName()).isEmpty();
        return result;
    }

    private static String readAll(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Whether a file is readable text; used to explain a missing reference client. */
    static boolean isReadableFile(Path file) {
        return Files.isRegularFile(file) && Files.isReadable(file);
    }
}
