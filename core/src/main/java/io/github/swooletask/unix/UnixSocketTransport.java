package io.github.swooletask.unix;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogSafe;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;

/**
 * Mode 1 ({@link IpcMode#UNIX_SOCKET}): the application listens on a Unix domain socket; producers (PHP clients and
 * this process's dispatchers) write task frames to it as a byte stream, and every worker competes for them.
 * Built from four parts: the {@link SocketFile}, the {@link SocketReaders} that cut connections into frames, the
 * bounded {@link FrameQueue} the workers take from, and the {@link SocketSenders} of this process's dispatchers.
 */
public final class UnixSocketTransport implements TaskTransport {

    private static final Logger logger = LoggerFactory.getLogger(UnixSocketTransport.class);

    private final Path path;

    private final int perms;

    private final FrameQueue frames;

    private final AtomicBoolean closing = new AtomicBoolean();

    private final TaskReceiver receiver;

    /** Connections served at a time unless said otherwise ({@code swoole.task.socket-max-connections}). */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    /** Failed accepts or reader starts in a row, with no connection served since, that make {@link #status()} a problem. */
    static final int FAILURES_IN_A_ROW_PROBLEM = 3;

    private final int maxConnections;

    private final ThreadFactory readerThreads;

    private volatile @Nullable Listening listening;

    /**
     * Binds the socket and starts accepting, with at most {@value #DEFAULT_MAX_CONNECTIONS} connections.
     * @param socketPath the socket file; a stale socket there (nobody listening) is replaced
     * @param perms permission bits of the socket file, e.g. {@code 0600}
     * @param bufferBytes most bytes of frames held in memory before readers stop reading
     * @throws SocketPathException when the path is in use, is not a socket, or cannot be bound
     */
    public UnixSocketTransport(Path socketPath, int perms, long bufferBytes) {
        this(socketPath, perms, bufferBytes, DEFAULT_MAX_CONNECTIONS, true, UnixSocketTransport::daemon);
    }

    /**
     * Binds the socket and starts accepting.
     * @param socketPath the socket file; a stale socket there (nobody listening) is replaced
     * @param perms permission bits of the socket file, e.g. {@code 0600}
     * @param bufferBytes most bytes of frames held in memory before readers stop reading
     * @param maxConnections most connections served at a time, each with its reader thread (this process's own
     * senders, at most twice the CPU count, included); one more is closed at once
     * @throws SocketPathException when the path is in use, is not a socket, or cannot be bound
     */
    public UnixSocketTransport(Path socketPath, int perms, long bufferBytes, int maxConnections) {
        this(socketPath, perms, bufferBytes, maxConnections, true, UnixSocketTransport::daemon);
    }

    /** For tests: a transport bound at once whose readers' threads come from {@code readerThreads}. */
    UnixSocketTransport(Path socketPath, int perms, long bufferBytes, int maxConnections,
            ThreadFactory readerThreads) {
        this(socketPath, perms, bufferBytes, maxConnections, true, readerThreads);
    }

    private UnixSocketTransport(Path socketPath, int perms, long bufferBytes, int maxConnections, boolean listen,
            ThreadFactory readerThreads) {
        Objects.requireNonNull(socketPath, "socketPath");
        if (perms < 0 || perms > 0777) {
            throw new IllegalArgumentException(String.format("socket permissions must be within 0000 and 0777, were 0%o",
                    perms));
        }
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes must be positive, was " + bufferBytes);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("swoole.task.socket-max-connections must be at least 1, was "
                    + maxConnections);
        }
        this.maxConnections = maxConnections;
        this.readerThreads = readerThreads;
        this.path = socketPath.toAbsolutePath();
        this.perms = perms;
        this.frames = new FrameQueue(bufferBytes);
        this.receiver = this.frames::take;
        if (listen) {
            listen();
        }
    }

    /**
     * A transport that binds its socket only on {@link #listen()} (called when workers start) or on the first send
     * from this process: an application without task workers never takes the socket path.
     */
    public static UnixSocketTransport bindLater(Path socketPath, int perms, long bufferBytes) {
        return bindLater(socketPath, perms, bufferBytes, DEFAULT_MAX_CONNECTIONS);
    }

    /** {@link #bindLater(Path, int, long)} with at most {@code maxConnections} connections served at a time. */
    public static UnixSocketTransport bindLater(Path socketPath, int perms, long bufferBytes, int maxConnections) {
        return new UnixSocketTransport(socketPath, perms, bufferBytes, maxConnections, false, UnixSocketTransport::daemon);
    }

    /**
     * Binds the socket and starts accepting, once; later calls do nothing.
     * @throws SocketPathException when the path is in use, is not a socket, or cannot be bound
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public synchronized void listen() {
        if (this.listening != null) {
            return;
        }
        if (this.closing.get()) {
            throw new IllegalStateException("the Unix socket transport on " + this.path + " is closed");
        }
        SocketFile socketFile = SocketFile.bind(this.path, this.perms);
        byte[] hello = SocketReaders.hello(ThreadLocalRandom.current().nextLong());
        SocketSenders senders = new SocketSenders(this.path, socketFile.address(), this.frames::isClosed, hello);
        SocketReaders readers = new SocketReaders(socketFile.server(), this.path, this.frames, this.maxConnections,
                hello, this.readerThreads);
        readers.start();
        this.listening = new Listening(socketFile, readers, senders);
        logger.info("Task workers listen on Unix socket {} (mode 0{}, buffer {} bytes, at most {} connections)", this.path,
                String.format("%03o", this.perms), this.frames.capacity(), this.maxConnections);
    }

    private Listening listening() {
        Listening current = this.listening;
        if (current == null) {
            listen();
            current = Objects.requireNonNull(this.listening);
        }
        return current;
    }

    private static Thread daemon(Runnable body) {
        Thread thread = new Thread(body);
        thread.setDaemon(true);
        return thread;
    }

    /** The socket, its readers and this process's senders, once bound. */
    private record Listening(SocketFile socketFile, SocketReaders readers, SocketSenders senders) {
    }

    @Override
    public IpcMode mode() {
        return IpcMode.UNIX_SOCKET;
    }

    /** Whether the socket is bound (by {@link #listen()} or a first send) and not closed. */
    public boolean isListening() {
        return this.listening != null && !this.closing.get();
    }

    /**
     * Whether the thread that accepts connections runs. False before the socket is bound and after a close; false
     * while listening means producers can no longer connect (a health check should say DOWN then).
     */
    public boolean acceptorAlive() {
        Listening current = this.listening;
        return current != null && current.readers().acceptorAlive();
    }

    /** The acceptor thread once bound, for tests. */
    Thread acceptorThread() {
        return Objects.requireNonNull(this.listening, "not bound").readers().acceptorThread();
    }

    /** Connections open now, this process's own senders included; 0 before the socket is bound. */
    public int connectionCount() {
        Listening current = this.listening;
        return (current != null) ? current.readers().connectionCount() : 0;
    }

    /** Connections closed at once because {@link #maxConnections()} were open, since the socket was bound. */
    public long refusedConnectionCount() {
        Listening current = this.listening;
        return (current != null) ? current.readers().refusedCount() : 0;
    }

    /** Failed accepts and reader threads that could not be started, since the socket was bound. */
    public long acceptFailureCount() {
        Listening current = this.listening;
        return (current != null) ? current.readers().acceptFailureCount() : 0;
    }

    /** Most connections served at a time ({@code swoole.task.socket-max-connections}). */
    public int maxConnections() {
        return this.maxConnections;
    }

    /** The socket file, absolute. */
    public Path socketPath() {
        return this.path;
    }

    /** Every worker competes for every frame, so all share one receiver. */
    @Override
    public TaskReceiver receiver(int workerId) {
        if (workerId < 0) {
            throw new IllegalArgumentException("worker ids start at 0, was " + workerId);
        }
        return this.receiver;
    }

    /**
     * Writes a frame to the socket; {@code workerId} is ignored (mode 1 cannot address a worker). See
     * {@link SocketSenders#send}.
     */
    @Override
    public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
        return listening().senders().send(buffer, length, wait);
    }

    @Override
    public void wake(int workerId) {
        this.frames.wake();
    }

    /** The queue in memory; a problem when the acceptor died or its last connections could not be served. */
    @Override
    public QueueStatus status() {
        long[] depthAndBytes = this.frames.depthAndBytes();
        Listening current = this.listening;
        String permissions = (current != null) ? String.format("0%03o", current.socketFile().currentPermissions())
                : "not bound";
        return new QueueStatus(IpcMode.UNIX_SOCKET, socketPath().toString(), -1, permissions, depthAndBytes[0],
                depthAndBytes[1], this.frames.capacity(), 0, 0, problems(current));
    }

    private List<String> problems(@Nullable Listening current) {
        if (current == null || this.closing.get()) {
            return List.of();
        }
        SocketReaders readers = current.readers();
        if (!readers.acceptorAlive()) {
            return List.of("the thread that accepts connections on Unix socket " + this.path + " ended: producers"
                    + " can no longer connect (restart the application)");
        }
        int failures = readers.failuresInARow();
        if (failures >= FAILURES_IN_A_ROW_PROBLEM) {
            return List.of("the last " + failures + " connections to Unix socket " + this.path + " could not be"
                    + " accepted or served: " + LogSafe.escape(String.valueOf(readers.lastFailure())));
        }
        return List.of();
    }

    /** Connections open, refused and failed, for the endpoint; empty before the socket is bound. */
    @Override
    public Map<String, Object> details() {
        Listening current = this.listening;
        if (current == null) {
            return Map.of();
        }
        SocketReaders readers = current.readers();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("acceptorAlive", readers.acceptorAlive());
        details.put("connections", readers.connectionCount());
        details.put("maxConnections", this.maxConnections);
        details.put("refusedConnections", readers.refusedCount());
        details.put("acceptFailures", readers.acceptFailureCount());
        return details;
    }

    @Override
    public long purge(DroppedFrames dropped) {
        return this.frames.purge(dropped);
    }

    /**
     * Stops accepting, closes every connection, releases blocked receivers (they return
     * {@link TaskReceiver#CLOSED}) and deletes the socket file. Frames still queued in memory are dropped.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!this.closing.compareAndSet(false, true)) {
            return;
        }
        int dropped;
        synchronized (this) {
            dropped = this.frames.close();
            Listening current = this.listening;
            if (current != null) {
                current.socketFile().close();
                current.readers().close();
                current.senders().close();
            }
        }
        if (dropped > 0) {
            logger.warn("{} task(s) still queued in memory were dropped when the Unix socket transport closed", dropped);
        }
    }

    @Override
    public String toString() {
        return "UnixSocketTransport[" + socketPath() + "]";
    }
}
