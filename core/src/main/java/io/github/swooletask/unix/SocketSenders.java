package io.github.swooletask.unix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.transport.FrameBuffer;

/**
 * The sending side of mode 1: a fixed set of client connections shared by the sending threads (picked by thread
 * id, each guarded by its own lock), so threads that come and go (pools, virtual threads) never leave connections
 * or readers behind. Each connection is non-blocking: a send without {@code wait} returns false when the socket
 * buffer has no room for the frame's first byte; a frame once begun is always finished (waiting for room), since a
 * partial frame would break the stream. An interrupt does not close a connection. A new connection first sends a
 * wake-up frame and waits for the reader's answer (one byte), so that a connection refused past the readers' limit
 * fails this send with a message naming {@code swoole.task.socket-max-connections} instead of losing frames written
 * into it. Thread-safe.
 */
final class SocketSenders {

    private static final long SELECT_MILLIS = 100;

    /** How long a new connection waits for the reader's answer. */
    private static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(5);

    private final Path path;

    private final UnixDomainSocketAddress address;

    private final BooleanSupplier closed;

    private final byte[] hello;

    private final Sender[] senders;

    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();

    /**
     * @param closed whether the transport closed: sends then fail, and a send waiting for room gives up
     * @param hello the first frame on each connection, which this transport's readers answer
     */
    SocketSenders(Path path, UnixDomainSocketAddress address, BooleanSupplier closed, byte[] hello) {
        this.path = path;
        this.address = address;
        this.closed = closed;
        this.hello = hello.clone();
        this.senders = new Sender[Math.max(2, 2 * Runtime.getRuntime().availableProcessors())];
        for (int i = 0; i < this.senders.length; i++) {
            this.senders[i] = new Sender();
        }
    }

    /**
     * Writes the first {@code length} bytes of the buffer's frame to one of the shared connections (opened on first
     * use).
     * @return true when the frame was written, false when {@code wait} is false and there was no room
     * @throws IllegalStateException when the transport is closed
     * @throws UncheckedIOException when the connection fails; the next send opens a new one
     */
    boolean send(FrameBuffer buffer, int length, boolean wait) {
        if (length < 0 || length > buffer.capacity()) {
            throw new IllegalArgumentException("length " + length + " is outside the buffer's frame (0 to "
                    + buffer.capacity() + ")");
        }
        if (this.closed.getAsBoolean()) {
            throw closedException(null);
        }
        Sender sender = this.senders[(int) (Thread.currentThread().getId() % this.senders.length)];
        // the caller's buffer is used with absolute indexes everywhere else: its position and limit are free here
        ByteBuffer frame = buffer.frame();
        frame.clear().limit(length);
        sender.lock.lock();
        try {
            SocketChannel channel = sender.channel;
            if (channel == null || !channel.isOpen()) {
                channel = connect(sender);
            }
            channel.write(frame);
            if (frame.position() == 0 && !wait) {
                return false;
            }
            while (frame.hasRemaining()) {
                if (channel.write(frame) == 0) {
                    sender.selector().select(SELECT_MILLIS);
                    if (this.closed.getAsBoolean()) {
                        throw closedException(null);
                    }
                }
            }
            return true;
        }
        catch (IOException ex) {
            drop(sender);
            if (this.closed.getAsBoolean()) {
                throw closedException(ex);
            }
            throw new UncheckedIOException("cannot send a task over Unix socket " + this.path + ": " + ex, ex);
        }
        finally {
            frame.clear();
            sender.lock.unlock();
        }
    }

    /** Closes every connection and selector. */
    void close() {
        for (SocketChannel channel : this.clients) {
            SocketFile.closeQuietly(channel);
        }
        for (Sender sender : this.senders) {
            if (sender.selector != null) {
                SocketFile.closeQuietly(sender.selector);
            }
        }
    }

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
            SocketFile.closeQuietly(channel);
            if (this.closed.getAsBoolean()) {
                throw closedException(ex);
            }
            throw new UncheckedIOException("cannot connect to the task socket " + this.path + ": " + ex, ex);
        }
        if (this.closed.getAsBoolean()) {
            this.clients.remove(channel);
            SocketFile.closeQuietly(channel);
            throw closedException(null);
        }
        try {
            sayHello(channel, this.hello);
            channel.configureBlocking(false);
            if (sender.selector == null) {
                sender.selector = Selector.open();
            }
            SelectionKey key = channel.register(sender.selector, SelectionKey.OP_READ);
            awaitAccepted(channel, sender.selector());
            key.interestOps(SelectionKey.OP_WRITE);
        }
        catch (IOException ex) {
            this.clients.remove(channel);
            SocketFile.closeQuietly(channel);
            if (this.closed.getAsBoolean()) {
                throw closedException(ex);
            }
            throw notServed(ex);
        }
        catch (RuntimeException ex) {
            this.clients.remove(channel);
            SocketFile.closeQuietly(channel);
            throw ex;
        }
        sender.channel = channel;
        return channel;
    }

    /** The first frame on each connection (still blocking): {@link SocketReaders#hello}, which the reader answers. */
    private static void sayHello(SocketChannel channel, byte[] frame) throws IOException {
        ByteBuffer hello = ByteBuffer.wrap(frame);
        while (hello.hasRemaining()) {
            channel.write(hello);
        }
    }

    /** Waits for the reader's {@link SocketReaders#ACCEPTED} byte: a connection refused past the limit is closed. */
    private void awaitAccepted(SocketChannel channel, Selector selector) throws IOException {
        ByteBuffer answer = ByteBuffer.allocate(1);
        long deadline = System.nanoTime() + ACCEPT_TIMEOUT.toNanos();
        while (true) {
            int n = channel.read(answer);
            if (n < 0) {
                throw notServed(null);
            }
            if (n > 0) {
                if (answer.get(0) != SocketReaders.ACCEPTED) {
                    throw new UncheckedIOException(new IOException("the task socket " + this.path + " answered a new"
                            + " connection with byte " + answer.get(0) + ": another program listens on it"));
                }
                return;
            }
            if (this.closed.getAsBoolean()) {
                throw closedException(null);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new UncheckedIOException(new IOException("the task socket " + this.path + " did not take a new"
                        + " connection within " + ACCEPT_TIMEOUT.toSeconds() + " s: its acceptor is not running or"
                        + " cannot start reader threads (see the transport's acceptor state and the log)"));
            }
            selector.select(SELECT_MILLIS);
            selector.selectedKeys().clear();
        }
    }

    private UncheckedIOException notServed(@Nullable IOException cause) {
        IOException ex = new IOException("the task socket " + this.path + " closed a new connection at once, as it"
                + " does when swoole.task.socket-max-connections connections are open; raise that setting or find the"
                + " producer that holds the connections", cause);
        return new UncheckedIOException(ex.getMessage(), ex);
    }

    private void drop(Sender sender) {
        SocketChannel channel = sender.channel;
        if (channel != null) {
            sender.channel = null;
            this.clients.remove(channel);
            SocketFile.closeQuietly(channel);
        }
    }

    IllegalStateException closedException(@Nullable Throwable cause) {
        return new IllegalStateException("the Unix socket task transport on " + this.path + " is closed", cause);
    }

    /** One shared connection and the selector that waits for room in its socket buffer; guarded by its lock. */
    private static final class Sender {

        final ReentrantLock lock = new ReentrantLock();

        @Nullable SocketChannel channel;

        @Nullable Selector selector;

        Selector selector() {
            Selector selector = this.selector;
            if (selector == null) {
                throw new IllegalStateException("no selector before the first connection");
            }
            return selector;
        }
    }
}
