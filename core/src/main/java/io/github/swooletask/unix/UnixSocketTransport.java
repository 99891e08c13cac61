package io.github.swooletask.unix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.sysv.MessageBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * Mode 1 ({@link IpcMode#UNIX_SOCKET}): the application listens on a Unix domain socket; producers (PHP clients and
 * this process's dispatchers) write task frames to it as a byte stream, and every worker competes for them.
 *
 * <p>A reader thread per connection cuts the stream into frames (12-byte header in host byte order, then exactly
 * the header's uint16 length of data; a spilled task carries its 152-byte padded body) and puts each frame in one
 * in-memory queue. The queue holds at most {@code bufferBytes} (a single larger frame is taken when the queue is
 * empty); a reader waits while it is full, so the socket's buffer fills and producers block, as in Swoole's mode 1.
 * Nothing beyond framing is checked here: the workers' decoder validates each frame.
 *
 * <p>Each sending thread writes through its own non-blocking connection: {@code send(..., wait = false)} returns
 * false when the socket buffer has no room for the frame's first byte, so the dispatcher's full-queue policy and
 * timeout apply as in modes 2 and 3; a frame once begun is always finished (waiting for room), since a partial
 * frame would break the stream. An interrupt does not close the connection.
 * A receive is not interruptible, like a System V {@code msgrcv}: it returns a frame, a wake-up frame, or -1 once
 * the transport is closed, and keeps the thread's interrupt status.
 */
public final class UnixSocketTransport implements TaskTransport {

    private static final Logger logger = LoggerFactory.getLogger(UnixSocketTransport.class);

    private static final String PROPERTY = "swoole.task.socket-path";

    private static final int BACKLOG = 128;

    private static final int READ_BUFFER_SIZE = 64 * 1024;

    private static final int S_IFMT = 0170000;

    private static final int S_IFSOCK = 0140000;

    private static final int S_IFIFO = 0010000;

    private static final int S_IFCHR = 0020000;

    private static final int S_IFBLK = 0060000;

    /** The wake-up frame every {@link #wake} queues; receivers copy it and never change it. */
    private static final byte[] WAKE_FRAME = wakeFrame();

    private final Path socketPath;

    private final UnixDomainSocketAddress address;

    private final int perms;

    private final long bufferBytes;

    private final ServerSocketChannel server;

    private final Object socketFileKey;

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition notEmpty = this.lock.newCondition();

    private final Condition notFull = this.lock.newCondition();

    /** Queued frames, guarded by {@link #lock}. */
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();

    /** Bytes of the queued frames, guarded by {@link #lock}. */
    private long queuedBytes;

    /** Readers enqueue in ticket order, so a large frame is not overtaken forever by small ones; guarded by lock. */
    private long nextTicket;

    private long servingTicket;

    private final Set<SocketChannel> accepted = ConcurrentHashMap.newKeySet();

    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();

    /**
     * A fixed set of client connections shared by the sending threads (picked by thread id, each guarded by its own
     * lock), so threads that come and go (pools, virtual threads) never leave connections or readers behind.
     */
    private final Sender[] senders = newSenders(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()));

    private final AtomicInteger readerCount = new AtomicInteger();

    private final AtomicBoolean closing = new AtomicBoolean();

    private final Thread acceptor;

    private final TaskReceiver receiver = this::take;

    /** Set under {@link #lock} so waiters cannot miss it. */
    private volatile boolean closed;

    /**
     * Binds the socket and starts accepting.
     * @param socketPath the socket file; a stale socket there (nobody listening) is replaced
     * @param perms permission bits of the socket file, e.g. {@code 0600}
     * @param bufferBytes most bytes of frames held in memory before readers stop reading
     * @throws IllegalStateException when the path is in use, is not a socket, or cannot be bound
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
        this.socketPath = socketPath.toAbsolutePath();
        this.perms = perms;
        this.bufferBytes = bufferBytes;
        prepareSocketPath(this.socketPath);
        this.address = UnixDomainSocketAddress.of(this.socketPath);
        this.server = bind(this.address, this.socketPath);
        Object fileKey;
        try {
            Files.setPosixFilePermissions(this.socketPath, permissions(perms));
            fileKey = Files.readAttributes(this.socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
        }
        catch (IOException | UnsupportedOperationException ex) {
            closeQuietly(this.server);
            deleteQuietly(this.socketPath);
            throw new IllegalStateException(String.format("cannot set permissions 0%03o on socket %s (%s): %s", perms,
                    this.socketPath, PROPERTY, ex.getMessage()), ex);
        }
        this.socketFileKey = fileKey;
        this.acceptor = new Thread(this::acceptLoop, "swoole-task-unix-acceptor");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
        logger.info("Task workers listen on Unix socket {} (mode 0{}, buffer {} bytes)", this.socketPath,
                String.format("%03o", perms), bufferBytes);
    }

    @Override
    public IpcMode mode() {
        return IpcMode.UNIX_SOCKET;
    }

    /** The socket file, absolute. */
    public Path socketPath() {
        return this.socketPath;
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
     * Writes the first {@code length} bytes of the buffer's text to one of the shared connections (opened on first
     * use); {@code workerId} is ignored (mode 1 cannot address a worker).
     * @param wait when false, return false if the socket buffer has no room for the frame's first byte; a frame once
     * begun is always finished, since a partial frame would break the stream
     * @return true when the frame was written
     * @throws IllegalStateException when the transport is closed
     * @throws UncheckedIOException when the connection fails; the next send opens a new one
     */
    @Override
    public boolean send(MessageBuffer buffer, int length, int workerId, boolean wait) {
        if (length < 0 || length > buffer.textCapacity()) {
            throw new IllegalArgumentException("length " + length + " is outside the buffer's text (0 to "
                    + buffer.textCapacity() + ")");
        }
        if (this.closed) {
            throw closedException(null);
        }
        Sender sender = this.senders[(int) (Thread.currentThread().getId() % this.senders.length)];
        // the caller's buffer is used with absolute indexes everywhere else: its position and limit are free here
        ByteBuffer text = buffer.text();
        text.clear().limit(length);
        sender.lock.lock();
        try {
            SocketChannel channel = sender.channel;
            if (channel == null || !channel.isOpen()) {
                channel = connect(sender);
            }
            channel.write(text);
            if (text.position() == 0 && !wait) {
                return false;
            }
            while (text.hasRemaining()) {
                if (channel.write(text) == 0) {
                    sender.selector.select(100);
                    if (this.closed) {
                        throw closedException(null);
                    }
                }
            }
            return true;
        }
        catch (IOException ex) {
            drop(sender);
            if (this.closed) {
                throw closedException(ex);
            }
            throw new UncheckedIOException("cannot send a task over Unix socket " + this.socketPath + ": " + ex, ex);
        }
        finally {
            text.clear();
            sender.lock.unlock();
        }
    }

    @Override
    public void wake(int workerId) {
        this.lock.lock();
        try {
            if (this.closed) {
                return;
            }
            this.frames.addLast(WAKE_FRAME);
            this.queuedBytes += WAKE_FRAME.length;
            this.notEmpty.signal();
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public QueueStatus status() {
        long depth;
        long bytes;
        this.lock.lock();
        try {
            depth = this.frames.size();
            bytes = this.queuedBytes;
        }
        finally {
            this.lock.unlock();
        }
        return new QueueStatus(IpcMode.UNIX_SOCKET, this.socketPath.toString(), -1,
                String.format("0%03o", currentPermissions()), depth, bytes, this.bufferBytes, 0, 0);
    }

    @Override
    public long purge() {
        this.lock.lock();
        try {
            long removed = this.frames.size();
            this.frames.clear();
            this.queuedBytes = 0;
            this.notFull.signalAll();
            return removed;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Stops accepting, closes every connection, releases blocked receivers (they return -1) and deletes the socket
     * file. Frames still queued in memory are dropped. Idempotent.
     */
    @Override
    public void close() {
        if (!this.closing.compareAndSet(false, true)) {
            return;
        }
        int dropped = 0;
        this.lock.lock();
        try {
            this.closed = true;
            for (byte[] frame : this.frames) {
                if (frame != WAKE_FRAME) {
                    dropped++;
                }
            }
            this.frames.clear();
            this.queuedBytes = 0;
            this.notEmpty.signalAll();
            this.notFull.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        closeQuietly(this.server);
        for (SocketChannel channel : this.accepted) {
            closeQuietly(channel);
        }
        for (SocketChannel channel : this.clients) {
            closeQuietly(channel);
        }
        for (Sender sender : this.senders) {
            if (sender.selector != null) {
                closeQuietly(sender.selector);
            }
        }
        deleteSocketFile();
        if (dropped > 0) {
            logger.warn("{} task(s) still queued in memory were dropped when the Unix socket transport closed", dropped);
        }
    }

    // ---- receiving

    private int take(MessageBuffer buffer) {
        byte[] frame;
        this.lock.lock();
        try {
            while (this.frames.isEmpty() && !this.closed) {
                this.notEmpty.awaitUninterruptibly();
            }
            if (this.closed) {
                return -1;
            }
            frame = this.frames.pollFirst();
            this.queuedBytes -= frame.length;
            this.notFull.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        int length = Math.min(frame.length, buffer.textCapacity());
        buffer.text().put(0, frame, 0, length);
        buffer.mtype(0);
        return length;
    }

    /** Queues a frame read from a connection, waiting for room; false when the transport closed meanwhile. */
    private boolean enqueue(byte[] frame) {
        this.lock.lock();
        try {
            long ticket = this.nextTicket++;
            while (!this.closed && (ticket != this.servingTicket
                    || (this.queuedBytes > 0 && this.queuedBytes + frame.length > this.bufferBytes))) {
                this.notFull.awaitUninterruptibly();
            }
            if (this.closed) {
                return false;
            }
            this.servingTicket++;
            this.frames.addLast(frame);
            this.queuedBytes += frame.length;
            this.notEmpty.signal();
            this.notFull.signalAll();
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    private void acceptLoop() {
        while (!this.closed) {
            SocketChannel channel;
            try {
                channel = this.server.accept();
            }
            catch (ClosedChannelException ex) {
                break;
            }
            catch (IOException ex) {
                if (this.closed) {
                    break;
                }
                logger.warn("Cannot accept a connection on Unix socket {}: {}", this.socketPath, ex.toString());
                LockSupport.parkNanos(100_000_000L);
                continue;
            }
            this.accepted.add(channel);
            if (this.closed) {
                closeQuietly(channel);
                break;
            }
            int number = this.readerCount.incrementAndGet();
            Thread reader = new Thread(() -> readLoop(channel, number), "swoole-task-unix-reader-" + number);
            reader.setDaemon(true);
            reader.start();
        }
        logger.debug("Stopped accepting on Unix socket {}", this.socketPath);
    }

    /** Cuts one connection's stream into frames until EOF, a failure, or close. */
    private void readLoop(SocketChannel channel, int number) {
        ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_SIZE).order(ByteOrder.nativeOrder());
        in.flip();
        try {
            while (true) {
                if (!fill(channel, in, TaskFrame.HEADER_SIZE)) {
                    if (in.hasRemaining()) {
                        logger.warn("Task connection {} on {} closed after {} bytes of a 12-byte frame header;"
                                + " the partial frame was dropped", number, this.socketPath, in.remaining());
                    }
                    return;
                }
                int dataLength = in.getShort(in.position() + TaskFrame.OFFSET_LENGTH) & 0xFFFF;
                byte[] frame = new byte[TaskFrame.HEADER_SIZE + dataLength];
                int have = Math.min(in.remaining(), frame.length);
                in.get(frame, 0, have);
                if (have < frame.length) {
                    ByteBuffer rest = ByteBuffer.wrap(frame, have, frame.length - have);
                    while (rest.hasRemaining()) {
                        if (channel.read(rest) < 0) {
                            logger.warn("Task connection {} on {} closed after {} of {} bytes of a frame; the partial"
                                    + " frame was dropped", number, this.socketPath, rest.position(), frame.length);
                            return;
                        }
                    }
                }
                if (!enqueue(frame)) {
                    return;
                }
            }
        }
        catch (IOException ex) {
            if (!this.closed && channel.isOpen()) {
                logger.warn("Task connection {} on {} failed: {}", number, this.socketPath, ex.toString());
            }
        }
        finally {
            this.accepted.remove(channel);
            closeQuietly(channel);
        }
    }

    /** Reads until {@code in} holds at least {@code n} bytes; false on EOF before that. */
    private static boolean fill(SocketChannel channel, ByteBuffer in, int n) throws IOException {
        while (in.remaining() < n) {
            in.compact();
            int read;
            try {
                read = channel.read(in);
            }
            finally {
                in.flip();
            }
            if (read < 0) {
                return false;
            }
        }
        return true;
    }

    // ---- sending

    private SocketChannel connect(Sender sender) {
        drop(sender);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot open a Unix socket: " + ex.getMessage(), ex);
        }
        this.clients.add(channel);
        try {
            channel.connect(this.address);
        }
        catch (IOException ex) {
            this.clients.remove(channel);
            closeQuietly(channel);
            if (this.closed) {
                throw closedException(ex);
            }
            throw new UncheckedIOException("cannot connect to the task socket " + this.socketPath + " (" + PROPERTY
                    + "): " + ex, ex);
        }
        if (this.closed) {
            this.clients.remove(channel);
            closeQuietly(channel);
            throw closedException(null);
        }
        try {
            channel.configureBlocking(false);
            if (sender.selector == null) {
                sender.selector = Selector.open();
            }
            channel.register(sender.selector, SelectionKey.OP_WRITE);
        }
        catch (IOException ex) {
            this.clients.remove(channel);
            closeQuietly(channel);
            throw new UncheckedIOException("cannot set up the connection to " + this.socketPath + ": " + ex, ex);
        }
        sender.channel = channel;
        return channel;
    }

    private void drop(Sender sender) {
        SocketChannel channel = sender.channel;
        if (channel != null) {
            sender.channel = null;
            this.clients.remove(channel);
            closeQuietly(channel);
        }
    }

    private IllegalStateException closedException(Throwable cause) {
        return new IllegalStateException("the Unix socket task transport on " + this.socketPath + " is closed", cause);
    }

    /** One sending thread's connection and its view of the buffer it sends from. */
    private static final class Sender {

        final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

        SocketChannel channel;

        /** Waits for room in the socket buffer once a frame has begun. */
        Selector selector;
    }

    private static Sender[] newSenders(int n) {
        Sender[] senders = new Sender[n];
        for (int i = 0; i < n; i++) {
            senders[i] = new Sender();
        }
        return senders;
    }

    // ---- the socket file

    private static void prepareSocketPath(Path path) {
        Path parent = path.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalStateException("the directory of the task socket " + path + " does not exist or is not a"
                    + " directory: create " + parent + " or set " + PROPERTY + " to another path");
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (IOException ex) {
            return; // nothing there
        }
        String kind = describe(path, attributes);
        if (kind != null) {
            throw new IllegalStateException(path + " (" + PROPERTY + ") is " + kind + ", not a socket; it was left"
                    + " untouched. Remove it or set " + PROPERTY + " to another path");
        }
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(address);
        }
        catch (ConnectException ex) {
            try {
                Files.delete(path);
            }
            catch (IOException deleteFailure) {
                throw new IllegalStateException("cannot remove the stale socket " + path + " (" + PROPERTY + "): "
                        + deleteFailure, deleteFailure);
            }
            logger.info("Removed stale socket {}: nobody listened on it", path);
            return;
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot tell whether the socket " + path + " (" + PROPERTY
                    + ") is in use: " + ex + ". Remove it or set " + PROPERTY + " to another path", ex);
        }
        throw new IllegalStateException("the socket " + path + " (" + PROPERTY + ") is in use: another process"
                + " accepts connections on it (another instance of the application?). Stop it or set " + PROPERTY
                + " to another path");
    }

    /** What is at the path when it is not a socket, or null for a socket. */
    private static String describe(Path path, BasicFileAttributes attributes) {
        if (attributes.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (attributes.isDirectory()) {
            return "a directory";
        }
        if (attributes.isRegularFile()) {
            return "a regular file";
        }
        int type;
        try {
            type = ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & S_IFMT;
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            return null; // "other": take it for a socket and let the connect probe decide
        }
        return switch (type) {
            case S_IFSOCK -> null;
            case S_IFIFO -> "a named pipe";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            default -> "a special file";
        };
    }

    private static ServerSocketChannel bind(UnixDomainSocketAddress address, Path path) {
        ServerSocketChannel server = null;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(address, BACKLOG);
            return server;
        }
        catch (IOException | UnsupportedOperationException ex) {
            if (server != null) {
                closeQuietly(server);
            }
            throw new IllegalStateException("cannot listen on the task socket " + path + " (" + PROPERTY + "): " + ex,
                    ex);
        }
    }

    private int currentPermissions() {
        try {
            int bits = 0;
            for (PosixFilePermission permission : Files.getPosixFilePermissions(this.socketPath,
                    LinkOption.NOFOLLOW_LINKS)) {
                bits |= 0400 >> permission.ordinal();
            }
            return bits;
        }
        catch (IOException | UnsupportedOperationException ex) {
            return this.perms;
        }
    }

    private static Set<PosixFilePermission> permissions(int bits) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            if ((bits & (0400 >> permission.ordinal())) != 0) {
                set.add(permission);
            }
        }
        return set;
    }

    private void deleteSocketFile() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(this.socketPath, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (this.socketFileKey != null && !this.socketFileKey.equals(attributes.fileKey())) {
                logger.warn("Socket {} was replaced by another file; left it in place", this.socketPath);
                return;
            }
            Files.deleteIfExists(this.socketPath);
        }
        catch (IOException ex) {
            // already gone, or cannot be removed: nothing more to do
            logger.debug("Could not remove socket {}: {}", this.socketPath, ex.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        }
        catch (IOException ex) {
            // best effort
        }
    }

    private static void closeQuietly(java.io.Closeable channel) {
        try {
            channel.close();
        }
        catch (IOException ex) {
            // closing anyway
        }
    }

    private static byte[] wakeFrame() {
        ByteBuffer buffer = ByteBuffer.allocate(TaskFrame.HEADER_SIZE).order(ByteOrder.nativeOrder());
        int length = FrameEncoder.encodeWake(buffer);
        byte[] frame = new byte[length];
        buffer.get(0, frame);
        return frame;
    }

    @Override
    public String toString() {
        return "UnixSocketTransport[" + this.socketPath + "]";
    }
}
