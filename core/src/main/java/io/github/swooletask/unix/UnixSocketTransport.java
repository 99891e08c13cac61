package io.github.swooletask.unix;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private volatile @Nullable Listening listening;

    /**
     * Binds the socket and starts accepting.
     * @param socketPath the socket file; a stale socket there (nobody listening) is replaced
     * @param perms permission bits of the socket file, e.g. {@code 0600}
     * @param bufferBytes most bytes of frames held in memory before readers stop reading
     * @throws SocketPathException when the path is in use, is not a socket, or cannot be bound
     */
    public UnixSocketTransport(Path socketPath, int perms, long bufferBytes) {
        this(socketPath, perms, bufferBytes, true);
    }

    private UnixSocketTransport(Path socketPath, int perms, long bufferBytes, boolean listen) {
        Objects.requireNonNull(socketPath, "socketPath");
        if (perms < 0 || perms > 0777) {
            throw new IllegalArgumentException(String.format("socket permissions must be within 0000 and 0777, were 0%o",
                    perms));
        }
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes must be positive, was " + bufferBytes);
        }
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
        return new UnixSocketTransport(socketPath, perms, bufferBytes, false);
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
        SocketSenders senders = new SocketSenders(this.path, socketFile.address(), this.frames::isClosed);
        SocketReaders readers = new SocketReaders(socketFile.server(), this.path, this.frames);
        readers.start();
        this.listening = new Listening(socketFile, readers, senders);
        logger.info("Task workers listen on Unix socket {} (mode 0{}, buffer {} bytes)", this.path,
                String.format("%03o", this.perms), this.frames.capacity());
    }

    private Listening listening() {
        Listening current = this.listening;
        if (current == null) {
            listen();
            current = Objects.requireNonNull(this.listening);
        }
        return current;
    }

    /** The socket, its readers and this process's senders, once bound. */
    private record Listening(SocketFile socketFile, SocketReaders readers, SocketSenders senders) {
    }

    @Override
    public IpcMode mode() {
        return IpcMode.UNIX_SOCKET;
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

    @Override
    public QueueStatus status() {
        long[] depthAndBytes = this.frames.depthAndBytes();
        Listening current = this.listening;
        String permissions = (current != null) ? String.format("0%03o", current.socketFile().currentPermissions())
                : "not bound";
        return new QueueStatus(IpcMode.UNIX_SOCKET, socketPath().toString(), -1, permissions, depthAndBytes[0], depthAndBytes[1],
                this.frames.capacity(), 0, 0);
    }

    @Override
    public long purge() {
        return this.frames.purge();
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
