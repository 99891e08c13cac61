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
import io.github.swooletask.wire.TaskFrame;

/**
 * The receiving side of mode 1: an acceptor thread, and a reader thread per connection that cuts the byte stream
 * into frames (12-byte header in host byte order, then exactly the header's uint16 length of data; a spilled task
 * carries its 152-byte padded body) and puts each into the {@link FrameQueue}. Nothing beyond framing is checked
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
                int dataLength = in.getShort(in.position() + TaskFrame.OFFSET_LENGTH) & 0xFFFF;
                byte[] frame = new byte[TaskFrame.HEADER_SIZE + dataLength];
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
