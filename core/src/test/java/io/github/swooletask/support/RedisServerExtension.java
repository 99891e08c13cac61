package io.github.swooletask.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} (Debian's package) for one test class, on a free loopback port in a temporary
 * directory of its own, started before the class and stopped (its directory deleted) after it, also when tests
 * failed. Use it as a static {@code @RegisterExtension} field. {@link #restart()} stops and starts it again on the
 * same port and directory (with {@link #withAppendOnly()} its data survive), {@link #kill()} ends it with SIGKILL.
 * {@link #withArguments} makes a replica, {@link #sentinelOf} a Sentinel ({@link RedisSentinelExtension} puts the
 * three together).
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private boolean appendOnly;

    private final List<String> arguments = new ArrayList<>();

    /** The master a Sentinel watches, its name and port; null for a data server. */
    private String[] sentinelOf;

    private int port;

    private Path directory;

    private Process process;

    /** A server that keeps nothing on disk. */
    public static RedisServerExtension ephemeral() {
        return new RedisServerExtension();
    }

    /** Writes an append-only file with fsync on every write, so a restart keeps every acknowledged write. */
    public RedisServerExtension withAppendOnly() {
        this.appendOnly = true;
        return this;
    }

    /** Command-line options for the server beyond the ones this extension sets, e.g. {@code --replicaof}. */
    public RedisServerExtension withArguments(String... arguments) {
        this.arguments.addAll(List.of(arguments));
        return this;
    }

    /**
     * A Redis Sentinel (the same {@code redis-server} in sentinel mode) that alone decides (quorum 1) to fail
     * {@code master} over once it did not answer for a second.
     */
    public static RedisServerExtension sentinelOf(RedisServerExtension master, String name) {
        RedisServerExtension sentinel = new RedisServerExtension();
        sentinel.sentinelOf = new String[] { name, Integer.toString(master.port()) };
        return sentinel;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        begin();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        end();
    }

    /** What {@link #beforeAll} does, for extensions made of several servers: a directory, a port, the server. */
    public void begin() throws IOException {
        this.directory = Files.createTempDirectory("redis-test-");
        this.port = freePort();
        start();
    }

    /** What {@link #afterAll} does: stops the server and deletes its directory, also when the stop failed. */
    public void end() throws InterruptedException {
        try {
            stop();
        }
        finally {
            deleteTree(this.directory);
        }
    }

    public int port() {
        return this.port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://" + host() + ":" + this.port;
    }

    /** Starts the server (after a {@link #kill()} or a {@link #stop()}) and waits until it accepts connections. */
    public synchronized void start() throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(this.port), "--bind",
                "127.0.0.1", "--dir", this.directory.toString(), "--save", "", "--protected-mode", "no",
                "--daemonize", "no", "--loglevel", "warning"));
        if (this.sentinelOf != null) {
            // a Sentinel rewrites its configuration file, so it gets one of its own
            Path config = this.directory.resolve("sentinel.conf");
            String name = this.sentinelOf[0];
            Files.writeString(config, String.join("\n", "port " + this.port, "bind 127.0.0.1", "protected-mode no",
                    "dir " + this.directory, "loglevel warning",
                    "sentinel monitor " + name + " 127.0.0.1 " + this.sentinelOf[1] + " 1",
                    "sentinel down-after-milliseconds " + name + " 1000",
                    "sentinel failover-timeout " + name + " 5000", ""));
            command = new ArrayList<>(List.of("redis-server", config.toString(), "--sentinel"));
        }
        else if (this.appendOnly) {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        }
        else {
            command.addAll(List.of("--appendonly", "no"));
        }
        if (this.sentinelOf == null) {
            command.addAll(this.arguments);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(this.directory.resolve("redis.log").toFile());
        try {
            this.process = builder.start();
        }
        catch (IOException ex) {
            throw new IOException("redis-server is needed for this test (apt-get install redis-server; .ci/run"
                    + " installs it): " + ex.getMessage(), ex);
        }
        await("redis-server to accept connections on port " + this.port).atMost(START_TIMEOUT)
            .until(() -> accepts() || !this.process.isAlive());
        if (!this.process.isAlive()) {
            throw new IllegalStateException("redis-server did not start: " + Files.readString(
                    this.directory.resolve("redis.log")));
        }
    }

    /** Stops the server with SIGTERM (it writes its append-only file first) and waits for it to end. */
    public synchronized void stop() throws InterruptedException {
        if (this.process != null && this.process.isAlive()) {
            this.process.destroy();
            if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
                this.process.destroyForcibly().waitFor();
            }
        }
    }

    /** Ends the server with SIGKILL. */
    public synchronized void kill() throws InterruptedException {
        if (this.process != null && this.process.isAlive()) {
            this.process.destroyForcibly().waitFor();
        }
    }

    /** {@link #stop()}, then {@link #start()} on the same port and directory. */
    public void restart() throws Exception {
        stop();
        start();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), this.port), 200);
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted((a, b) -> b.compareTo(a)).forEach((path) -> {
                try {
                    Files.deleteIfExists(path);
                }
                catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
