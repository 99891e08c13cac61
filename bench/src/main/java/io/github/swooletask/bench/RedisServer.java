package io.github.swooletask.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis server of a {@code --transport redis-streams} run: either a {@code redis-server} the bench starts (free
 * loopback port, nothing saved, its directory the run's temporary one; a {@link ChildProcess}, so a failing or
 * interrupted bench stops it too) or the one given by {@code --redis HOST:PORT}. Talks to it with a few lines of
 * RESP over a plain socket, JDK classes only, because {@link #deleteKeys} also runs from the shutdown hook.
 */
final class RedisServer implements AutoCloseable {

    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final String host;

    private final int port;

    private final ChildProcess process;

    private final String version;

    private RedisServer(String host, int port, ChildProcess process) throws IOException {
        this.host = host;
        this.port = port;
        this.process = process;
        this.version = versionOf(host, port);
    }

    /** Starts {@code redis-server} on a free loopback port with {@code dir} as its directory; waits until it answers. */
    static RedisServer start(Path dir) throws InterruptedException {
        String lastFailure = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            ChildProcess child = ChildProcess.start("redis-server", List.of("redis-server", "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                    dir.toString(), "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"));
            long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
            while (child.isAlive() && System.nanoTime() - deadline < 0) {
                try {
                    return new RedisServer("127.0.0.1", port, child);
                }
                catch (IOException ex) {
                    lastFailure = ex.getMessage();
                    Thread.sleep(20);
                }
            }
            child.close();
            lastFailure = String.join("\n", child.lines());
            // another process may have taken the port meanwhile: try another one
        }
        throw new IllegalStateException("redis-server did not start: " + lastFailure);
    }

    /** The server at {@code host:port}, checked to answer. */
    static RedisServer external(String host, int port) {
        try {
            return new RedisServer(host, port, null);
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot reach Redis at " + host + ":" + port + ": " + ex.getMessage(), ex);
        }
    }

    /** Fails before anything is measured when the bench would need {@code redis-server} and it is missing. */
    static void requireRedisServer() throws InterruptedException {
        try {
            ChildProcess.run("redis-server", List.of("redis-server", "--version"), 30);
        }
        catch (IllegalStateException ex) {
            throw new IllegalStateException("redis-server is needed for --transport redis-streams without --redis:"
                    + " install it (apt-get install redis-server) or pass --redis HOST:PORT ("
                    + ex.getMessage().lines().findFirst().orElse("") + ")", ex);
        }
    }

    String host() {
        return this.host;
    }

    int port() {
        return this.port;
    }

    /** For the header: where it is, its version, and whether the bench started it. */
    String describe() {
        return this.host + ":" + this.port + " (redis " + this.version + ", "
                + ((this.process != null) ? "started by the bench" : "given by --redis") + ")";
    }

    /**
     * Deletes every key whose name starts with {@code prefix} ({@code SCAN MATCH}, then {@code DEL}).
     * @return how many keys were deleted
     */
    long deleteKeys(String prefix) throws IOException {
        try (Resp resp = new Resp(this.host, this.port)) {
            long deleted = 0;
            String cursor = "0";
            do {
                List<?> reply = (List<?>) resp.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
                cursor = (String) reply.get(0);
                List<String> keys = new ArrayList<>();
                for (Object key : (List<?>) reply.get(1)) {
                    keys.add((String) key);
                }
                if (!keys.isEmpty()) {
                    keys.add(0, "DEL");
                    deleted += (Long) resp.call(keys.toArray(new String[0]));
                }
            }
            while (!cursor.equals("0"));
            return deleted;
        }
    }

    /** Stops the server if the bench started it. */
    @Override
    public void close() {
        if (this.process != null) {
            this.process.close();
        }
    }

    private static String versionOf(String host, int port) throws IOException {
        try (Resp resp = new Resp(host, port)) {
            String info = (String) resp.call("INFO", "server");
            for (String line : info.split("\r\n")) {
                if (line.startsWith("redis_version:")) {
                    return line.substring("redis_version:".length()).trim();
                }
            }
            return "?";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException("no free loopback port for redis-server: " + ex.getMessage(), ex);
        }
    }

    /** One connection speaking just enough RESP 2 for the calls above. */
    private static final class Resp implements AutoCloseable {

        private final Socket socket;

        private final InputStream in;

        private final OutputStream out;

        Resp(String host, int port) throws IOException {
            this.socket = new Socket();
            try {
                this.socket.connect(new InetSocketAddress(host, port), 2000);
                this.socket.setSoTimeout(10_000);
                this.in = new BufferedInputStream(this.socket.getInputStream());
                this.out = new BufferedOutputStream(this.socket.getOutputStream());
            }
            catch (IOException ex) {
                this.socket.close();
                throw ex;
            }
        }

        Object call(String... args) throws IOException {
            StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                command.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                    .append("\r\n");
            }
            this.out.write(command.toString().getBytes(StandardCharsets.UTF_8));
            this.out.flush();
            return read();
        }

        private Object read() throws IOException {
            int type = this.in.read();
            String line = line();
            switch (type) {
                case '+':
                    return line;
                case '-':
                    throw new IOException("Redis answered: " + line);
                case ':':
                    return Long.parseLong(line);
                case '$': {
                    int length = Integer.parseInt(line);
                    if (length < 0) {
                        return null;
                    }
                    byte[] bytes = this.in.readNBytes(length + 2);
                    return new String(bytes, 0, length, StandardCharsets.UTF_8);
                }
                case '*': {
                    int count = Integer.parseInt(line);
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        items.add(read());
                    }
                    return items;
                }
                default:
                    throw new IOException("unexpected reply from Redis (type " + type + ")");
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = this.in.read()) != '\r') {
                if (c < 0) {
                    throw new IOException("connection closed by Redis");
                }
                line.append((char) c);
            }
            this.in.read();
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            this.socket.close();
        }
    }
}
