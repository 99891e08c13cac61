package io.github.swooletask.unix;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

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

    private final SocketFile socketFile;

    private final FrameQueue frames;

    private final SocketReaders readers;

    private final SocketSenders senders;

    private final AtomicBoolean closing = new AtomicBoolean();

    private final TaskReceiver receiver;

    /**
     * Binds the socket and starts accepting.
     * @param socketPath the socket file; a stale socket there (nobody listening) is replaced
     * @param perms permission bits of the socket file, e.g. {@code 0600}
     * @param bufferBytes most bytes of frames held in memory before readers stop reading
     * @throws SocketPathException when the path is in use, is not a socket, or cannot be bound
     */
    public UnixSocketTransport(Path socketPath, int perms, long bufferBytes) {
        Objects.requireNonNull(socketPath, "socketPath");
        if (perms < 0 || perms > 0777) {
            throw new IllegalArgumentException(String.format("socket permissions must be within 0000 and 0777, were 0%o",
                    perms));
        }
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes must be positive, was " + bufferBytes);
        }
        Path path = socketPath.toAbsolutePath();
        this.frames = new FrameQueue(bufferBytes);
        this.receiver = this.frames::take;
        this.socketFile = SocketFile.bind(path, perms);
        this.senders = new SocketSenders(path, this.socketFile.address(), this.frames::isClosed);
        this.readers = new SocketReaders(this.socketFile.server(), path, this.frames);
        this.readers.start();
        logger.info("Task workers listen on Unix socket {} (mode 0{}, buffer {} bytes)", path,
                String.format("%03o", perms), bufferBytes);
    }

    @Override
    public IpcMode mode() {
        return IpcMode.UNIX_SOCKET;
    }

    /** The socket file, absolute. */
    public Path socketPath() {
        return this.socketFile.path();
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
        return this.senders.send(buffer, length, wait);
    }

    @Override
    public void wake(int workerId) {
        this.frames.wake();
    }

    @Override
    public QueueStatus status() {
        long[] depthAndBytes = this.frames.depthAndBytes();
        return new QueueStatus(IpcMode.UNIX_SOCKET, socketPath().toString(), -1,
                String.format("0%03o", this.socketFile.currentPermissions()), depthAndBytes[0], depthAndBytes[1],
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
        int dropped = this.frames.close();
        this.socketFile.close();
        this.readers.close();
        this.senders.close();
        if (dropped > 0) {
            logger.warn("{} task(s) still queued in memory were dropped when the Unix socket transport closed", dropped);
        }
    }

    @Override
    public String toString() {
        return "UnixSocketTransport[" + socketPath() + "]";
    }
}
