package io.github.swooletask.unix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.log.LogRateLimit;
import io.github.swooletask.log.LogSafe;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * The receiving side of mode 1: an acceptor thread, and a reader thread per connection that cuts the byte stream
 * into frames (a 12-byte header in host byte order, then exactly the header's uint16 length of data, a spilled task
 * carrying its 152-byte padded body; or a 40-byte Swoole 4.8+ header and its uint32 length of data) and puts each
 * into the {@link FrameQueue}. Nothing beyond framing is checked here: the workers' decoder validates each frame.
 *
 * <p>Bounded: at most {@code maxConnections} connections (so as many reader threads) at a time; one more is closed
 * at once, with a log line at most every 10 seconds that names the limit and its setting. A connection whose first
 * frame is a wake-up frame without data (as this process's senders open theirs) is answered with one byte,
 * {@link #ACCEPTED}, which the sender waits for before it writes a task: a refused connection then fails the dispatch
 * instead of losing its frames. Other producers never get a byte. The acceptor survives any
 * failure of {@code accept} or of starting a reader thread (an {@code OutOfMemoryError: unable to create native
 * thread} included): it closes that connection, backs off from 10 ms doubling to 1 s, logs at most one line every 10
 * seconds, and goes on. Warnings about single connections are limited to 5 every 10 seconds, with a count of the
 * rest.
 */
final class SocketReaders {

    /** The byte that answers a sender's first (wake-up) frame on a connection that is served. */
    static final byte ACCEPTED = 0x06;

    private static final Logger logger = LoggerFactory.getLogger(SocketReaders.class);

    private static final int READ_BUFFER_SIZE = 64 * 1024;

    /** After a failed accept or reader start: 10 ms doubling to 1 s. */
    private static final BackoffIdleStrategy ACCEPT_BACKOFF = new BackoffIdleStrategy(0, 0, Duration.ofMillis(10),
            Duration.ofSeconds(1));

    private static final Duration LOG_WINDOW = Duration.ofSeconds(10);

    private final ServerSocketChannel server;

    private final Path path;

    private final FrameQueue frames;

    private final int maxConnections;

    private final Set<SocketChannel> accepted = ConcurrentHashMap.newKeySet();

    private final AtomicInteger readerCount = new AtomicInteger();

    private final AtomicLong refused = new AtomicLong();

    private final AtomicLong acceptFailures = new AtomicLong();

    private final LogRateLimit refusalLog = new LogRateLimit(1, LOG_WINDOW);

    private final LogRateLimit failureLog = new LogRateLimit(1, LOG_WINDOW);

    private final LogRateLimit connectionLog = new LogRateLimit(5, LOG_WINDOW);

    private final byte[] hello;

    private final ThreadFactory readerThreads;

    /** Failed accepts and reader starts since the last connection served; written by the acceptor only. */
    private volatile int failuresInARow;

    private volatile @Nullable String lastFailure;

    private final Thread acceptor;

    /**
     * @param maxConnections most connections served at a time (at least 1)
     * @param hello the first frame of this process's senders ({@link #hello(long)}), answered with {@link #ACCEPTED}
     */
    SocketReaders(ServerSocketChannel server, Path path, FrameQueue frames, int maxConnections, byte[] hello) {
        this(server, path, frames, maxConnections, hello, SocketReaders::daemon);
    }

    /**
     * @param maxConnections most connections served at a time (at least 1)
     * @param hello the first frame of this process's senders ({@link #hello(long)}), answered with {@link #ACCEPTED}
     * @param readerThreads makes each connection's reader thread (not started)
     */
    SocketReaders(ServerSocketChannel server, Path path, FrameQueue frames, int maxConnections, byte[] hello,
            ThreadFactory readerThreads) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("the most connections must be at least 1, was " + maxConnections);
        }
        this.server = server;
        this.path = path;
        this.frames = frames;
        this.maxConnections = maxConnections;
        this.hello = hello.clone();
        this.readerThreads = readerThreads;
        this.acceptor = new Thread(this::acceptLoop, "swoole-task-unix-acceptor");
        this.acceptor.setDaemon(true);
    }

    void start() {
        this.acceptor.start();
    }

    /** Whether the acceptor thread runs: false before {@link #start()}, after a close, or if it died. */
    boolean acceptorAlive() {
        return this.acceptor.isAlive();
    }

    /** The acceptor thread, for tests. */
    Thread acceptorThread() {
        return this.acceptor;
    }

    /** Connections open now (each has its reader thread). */
    int connectionCount() {
        return this.accepted.size();
    }

    /** Connections closed at once because {@code maxConnections} were open. */
    long refusedCount() {
        return this.refused.get();
    }

    /** Accepts that failed and reader threads that could not be started. */
    long acceptFailureCount() {
        return this.acceptFailures.get();
    }

    int maxConnections() {
        return this.maxConnections;
    }

    /** Failed accepts and reader starts since a connection was last served. */
    int failuresInARow() {
        return this.failuresInARow;
    }

    /** The last failure to accept or start a reader, or null. */
    @Nullable String lastFailure() {
        return this.lastFailure;
    }

    /** Closes every accepted connection; the readers end. Call after the frame queue and the server closed. */
    void close() {
        for (SocketChannel channel : this.accepted) {
            SocketFile.closeQuietly(channel);
        }
    }

    private void acceptLoop() {
        while (!this.frames.isClosed()) {
            try {
                acceptOne();
            }
            catch (ClosedChannelException ex) {
                break;
            }
            catch (Throwable ex) {
                // logging itself failed (out of memory, say): nothing but a closed socket ends this thread
                ACCEPT_BACKOFF.idle(this.failuresInARow++);
            }
        }
        logger.debug("Stopped accepting on Unix socket {}", this.path);
    }

    /**
     * Accepts one connection and serves or refuses it; a failure is counted, logged and waited out.
     * @throws ClosedChannelException when the server socket was closed (by a close, or an interrupt of the acceptor)
     */
    private void acceptOne() throws ClosedChannelException {
        SocketChannel channel;
        try {
            channel = this.server.accept();
        }
        catch (ClosedChannelException ex) {
            throw ex;
        }
        catch (Throwable ex) {
            if (!this.frames.isClosed()) {
                failed("accept a connection", ex);
            }
            return;
        }
        try {
            if (serve(channel)) {
                this.failuresInARow = 0;
            }
        }
        catch (Throwable ex) {
            this.accepted.remove(channel);
            SocketFile.closeQuietly(channel);
            failed("start a reader thread for a new connection (it was closed)", ex);
        }
    }

    /** Starts a reader for a new connection, or closes it when the limit is reached. @return whether it is served */
    private boolean serve(SocketChannel channel) {
        if (this.frames.isClosed()) {
            SocketFile.closeQuietly(channel);
            return false;
        }
        int open = this.accepted.size();
        if (open >= this.maxConnections) {
            SocketFile.closeQuietly(channel);
            long total = this.refused.incrementAndGet();
            long skipped = this.refusalLog.permit();
            if (skipped >= 0) {
                logger.warn("Refused a connection on Unix socket {}: {} connections are open, the most allowed by"
                        + " swoole.task.socket-max-connections ({}); raise it if that many producers must stay"
                        + " connected, or find the one that holds them ({} refused so far){}", this.path, open,
                        this.maxConnections, total, LogRateLimit.skippedNote(skipped));
            }
            return false;
        }
        this.accepted.add(channel);
        int number = this.readerCount.incrementAndGet();
        Thread reader = this.readerThreads.newThread(() -> readLoop(channel, number));
        reader.setName("swoole-task-unix-reader-" + number);
        reader.start();
        return true;
    }

    private static Thread daemon(Runnable body) {
        Thread thread = new Thread(body);
        thread.setDaemon(true);
        return thread;
    }

    private void failed(String what, Throwable ex) {
        int inARow = this.failuresInARow;
        this.acceptFailures.incrementAndGet();
        this.lastFailure = ex.toString();
        long skipped = this.failureLog.permit();
        if (skipped >= 0) {
            logger.warn("Cannot {} on Unix socket {}: {}; the acceptor goes on after {} ms ({} failure(s) in a row)"
                    + "{}", what, this.path, LogSafe.escape(ex.toString()),
                    TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF.parkNanos(inARow)), inARow + 1,
                    LogRateLimit.skippedNote(skipped));
        }
        this.failuresInARow = inARow + 1;
        ACCEPT_BACKOFF.idle(inARow);
    }

    /** A warning about one connection, at most 5 every 10 seconds; the next one let through counts the rest. */
    private void warn(String format, Object... arguments) {
        long skipped = this.connectionLog.permit();
        if (skipped >= 0) {
            Object[] withNote = Arrays.copyOf(arguments, arguments.length + 1);
            withNote[arguments.length] = LogRateLimit.skippedNote(skipped);
            logger.warn(format + "{}", withNote);
        }
    }

    /** Cuts one connection's stream into frames until EOF, a failure, or close. */
    private void readLoop(SocketChannel channel, int number) {
        try {
            ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_SIZE).order(ByteOrder.nativeOrder());
            in.flip();
            boolean first = true;
            while (true) {
                if (!fill(channel, in, TaskFrame.HEADER_SIZE)) {
                    if (in.hasRemaining()) {
                        warn("Task connection {} on {} closed after {} bytes of a 12-byte frame header; the partial"
                                + " frame was dropped", number, this.path, in.remaining());
                    }
                    return;
                }
                if (first && isHello(in)) {
                    // this process's sender asks whether the connection is served: a refused one is closed unread
                    in.position(in.position() + TaskFrame.HEADER_SIZE);
                    channel.write(ByteBuffer.wrap(new byte[] {ACCEPTED}));
                    first = false;
                    continue;
                }
                first = false;
                int frameLength = frameLength(channel, in, number);
                if (frameLength < 0) {
                    return;
                }
                byte[] frame = new byte[frameLength];
                int have = Math.min(in.remaining(), frame.length);
                in.get(frame, 0, have);
                if (have < frame.length) {
                    ByteBuffer rest = ByteBuffer.wrap(frame, have, frame.length - have);
                    while (rest.hasRemaining()) {
                        if (channel.read(rest) < 0) {
                            warn("Task connection {} on {} closed after {} of {} bytes of a frame; the partial frame"
                                    + " was dropped", number, this.path, rest.position(), frame.length);
                            return;
                        }
                    }
                }
                if (!this.frames.put(frame)) {
                    return;
                }
            }
        }
        catch (IOException ex) {
            if (!this.frames.isClosed() && channel.isOpen()) {
                warn("Task connection {} on {} failed: {}", number, this.path, LogSafe.escape(ex.toString()));
            }
        }
        catch (RuntimeException | Error ex) {
            warn("Task connection {} on {} was closed after an unexpected error: {}", number, this.path,
                    LogSafe.escape(ex.toString()));
        }
        finally {
            this.accepted.remove(channel);
            SocketFile.closeQuietly(channel);
        }
    }

    /**
     * The first frame of this process's senders: a 12-byte wake-up frame without data whose task id, from id and
     * flags carry {@code token} (random per transport), so that no other producer's frame is taken for it.
     */
    static byte[] hello(long token) {
        ByteBuffer frame = ByteBuffer.allocate(TaskFrame.HEADER_SIZE).order(ByteOrder.nativeOrder());
        FrameEncoder.encodeWake(frame);
        frame.putInt(TaskFrame.OFFSET_TASK_ID, (int) (token >>> 32));
        frame.putShort(TaskFrame.OFFSET_FROM_ID, (short) (token >>> 16));
        frame.putShort(TaskFrame.OFFSET_FLAGS, (short) token);
        return frame.array();
    }

    /** Whether the 12 bytes at {@code in}'s position are {@link #hello}: anything else is a frame as before. */
    private boolean isHello(ByteBuffer in) {
        return in.slice(in.position(), TaskFrame.HEADER_SIZE).equals(ByteBuffer.wrap(this.hello));
    }

    /**
     * The length of the frame that starts at {@code in}'s position: a 12-byte header's {@code uint16} length, or, when
     * byte 8 is 0 (the 12-byte layout has no type 0; the 40-byte one has its {@code msg_id} there, 0 for tasks), a
     * 40-byte header's {@code uint32} length, read once 40 bytes are there.
     * @return the frame's length, or -1 when the connection ended or its stream cannot be framed
     */
    private int frameLength(SocketChannel channel, ByteBuffer in, int number) throws IOException {
        int classicType = in.get(in.position() + TaskFrame.OFFSET_TYPE) & 0xFF;
        if (classicType != 0) {
            return TaskFrame.HEADER_SIZE + (in.getShort(in.position() + TaskFrame.OFFSET_LENGTH) & 0xFFFF);
        }
        if (!fill(channel, in, DataHead.HEADER_SIZE)) {
            warn("Task connection {} on {} closed after {} bytes of a 40-byte frame header; the partial frame was"
                    + " dropped", number, this.path, in.remaining());
            return -1;
        }
        long dataLength = in.getInt(in.position() + DataHead.OFFSET_LEN) & 0xFFFFFFFFL;
        if (dataLength > DataHead.MAX_INLINE_DATA) {
            warn("Task connection {} on {} sent a 40-byte header with a len of {} bytes, more than a task carries"
                    + " inline; closed it, since its stream cannot be cut into frames any more", number, this.path,
                    dataLength);
            return -1;
        }
        return DataHead.HEADER_SIZE + (int) dataLength;
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
}
