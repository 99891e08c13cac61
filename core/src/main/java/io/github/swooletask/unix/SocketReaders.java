package io.github.swooletask.unix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.TaskFrame;

/**
 * The receiving side of mode 1: an acceptor thread, and a reader thread per connection that cuts the byte stream
 * into frames (a 12-byte header in host byte order, then exactly the header's uint16 length of data, a spilled task
 * carrying its 152-byte padded body; or a 40-byte Swoole 4.8+ header and its uint32 length of data) and puts each
 * into the {@link FrameQueue}. Nothing beyond framing is checked
 * here: the workers' decoder validates each frame.
 */
final class SocketReaders {

    private static final Logger logger = LoggerFactory.getLogger(SocketReaders.class);

    private static final int READ_BUFFER_SIZE = 64 * 1024;

    /** After a failed accept. */
    private static final IdleStrategy ACCEPT_BACKOFF = BackoffIdleStrategy.parking(Duration.ofMillis(100));

    private final ServerSocketChannel server;

    private final Path path;

    private final FrameQueue frames;

    private final Set<SocketChannel> accepted = ConcurrentHashMap.newKeySet();

    private final AtomicInteger readerCount = new AtomicInteger();

    private final Thread acceptor;

    SocketReaders(ServerSocketChannel server, Path path, FrameQueue frames) {
        this.server = server;
        this.path = path;
        this.frames = frames;
        this.acceptor = new Thread(this::acceptLoop, "swoole-task-unix-acceptor");
        this.acceptor.setDaemon(true);
    }

    void start() {
        this.acceptor.start();
    }

    /** Closes every accepted connection; the readers end. Call after the frame queue and the server closed. */
    void close() {
        for (SocketChannel channel : this.accepted) {
            SocketFile.closeQuietly(channel);
        }
    }

    private void acceptLoop() {
        int failures = 0;
        while (!this.frames.isClosed()) {
            SocketChannel channel;
            try {
                channel = this.server.accept();
                failures = 0;
            }
            catch (ClosedChannelException ex) {
                break;
            }
            catch (IOException ex) {
                if (this.frames.isClosed()) {
                    break;
                }
                logger.warn("Cannot accept a connection on Unix socket {}: {}", this.path, ex.toString());
                ACCEPT_BACKOFF.idle(failures++);
                continue;
            }
            this.accepted.add(channel);
            if (this.frames.isClosed()) {
                SocketFile.closeQuietly(channel);
                break;
            }
            int number = this.readerCount.incrementAndGet();
            Thread reader = new Thread(() -> readLoop(channel, number), "swoole-task-unix-reader-" + number);
            reader.setDaemon(true);
            reader.start();
        }
        logger.debug("Stopped accepting on Unix socket {}", this.path);
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
                                + " the partial frame was dropped", number, this.path, in.remaining());
                    }
                    return;
                }
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
                            logger.warn("Task connection {} on {} closed after {} of {} bytes of a frame; the partial"
                                    + " frame was dropped", number, this.path, rest.position(), frame.length);
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
                logger.warn("Task connection {} on {} failed: {}", number, this.path, ex.toString());
            }
        }
        finally {
            this.accepted.remove(channel);
            SocketFile.closeQuietly(channel);
        }
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
            logger.warn("Task connection {} on {} closed after {} bytes of a 40-byte frame header; the partial frame"
                    + " was dropped", number, this.path, in.remaining());
            return -1;
        }
        long dataLength = in.getInt(in.position() + DataHead.OFFSET_LEN) & 0xFFFFFFFFL;
        if (dataLength > DataHead.MAX_INLINE_DATA) {
            logger.warn("Task connection {} on {} sent a 40-byte header with a len of {} bytes, more than a task"
                    + " carries inline; closed it, since its stream cannot be cut into frames any more", number,
                    this.path, dataLength);
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
