package io.github.swooletask.unix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.support.LogCapture;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFrame;

import static io.github.swooletask.support.RawFrames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Mode 1 keeps its bounds on a real Unix socket: connections past the limit are closed at once (and this process's
 * own senders are told so), the acceptor lives through reader threads that cannot be started, and a flood of
 * connections costs a few log lines.
 */
class SocketBoundsIntegrationTests {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private final List<SocketChannel> clients = new ArrayList<>();

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (SocketChannel client : this.clients) {
            client.close();
        }
        for (AutoCloseable closeable : this.closeables) {
            closeable.close();
        }
    }

    private UnixSocketTransport transport(int maxConnections) {
        UnixSocketTransport transport = new UnixSocketTransport(this.tmp.resolve("bounds.sock"), 0600, 1 << 20,
                maxConnections);
        this.closeables.add(transport::close);
        return transport;
    }

    private SocketChannel connect(Path socket) throws IOException {
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
        this.clients.add(client);
        client.connect(UnixDomainSocketAddress.of(socket));
        return client;
    }

    /** Whether the application closed this connection: EOF or a reset on a read. */
    private static boolean closedByPeer(SocketChannel client) {
        try {
            return client.read(ByteBuffer.allocate(1)) < 0;
        }
        catch (IOException ex) {
            return true;
        }
    }

    private static String received(UnixSocketTransport transport) {
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        return data(buffer, transport.receiver(0).receive(buffer));
    }

    private static String data(FrameBuffer buffer, int length) {
        byte[] data = new byte[length - TaskFrame.HEADER_SIZE];
        buffer.frame().get(TaskFrame.HEADER_SIZE, data);
        return new String(data, StandardCharsets.UTF_8);
    }

    @Test
    void connectionsPastTheLimitAreClosedAtOnceWithFewLogLines() throws Exception {
        UnixSocketTransport transport = transport(8);
        List<SocketChannel> held = new ArrayList<>();
        try (LogCapture log = LogCapture.of(SocketReaders.class)) {
            for (int i = 0; i < 8; i++) {
                held.add(connect(transport.socketPath()));
            }
            await().atMost(DEADLINE).until(() -> transport.connectionCount() == 8);
            List<SocketChannel> refused = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                refused.add(connect(transport.socketPath()));
            }
            await().atMost(DEADLINE).until(() -> transport.refusedConnectionCount() == 200);
            for (SocketChannel client : refused) {
                assertThat(closedByPeer(client)).as("a connection past the limit is closed").isTrue();
            }
            assertThat(transport.connectionCount()).isEqualTo(8);
            assertThat(transport.acceptorAlive()).isTrue();
            List<String> lines = log.eventsContaining("Refused a connection");
            assertThat(lines).as("refusals logged at most once every 10 s").hasSizeBetween(1, 2);
            assertThat(lines.get(0)).contains("swoole.task.socket-max-connections (8)").contains("8 connections are open");
        }
        // the held connections still work, and once they go new ones are served again
        held.get(0).write(ByteBuffer.wrap(task(1, "from a held connection")));
        assertThat(received(transport)).isEqualTo("from a held connection");
        for (SocketChannel client : held) {
            client.close();
        }
        await().atMost(DEADLINE).until(() -> transport.connectionCount() == 0);
        SocketChannel late = connect(transport.socketPath());
        late.write(ByteBuffer.wrap(task(2, "after the others left")));
        assertThat(received(transport)).isEqualTo("after the others left");
    }

    @Test
    void aRefusedDispatchFromThisProcessFailsWithTheSettingNamedAndNothingAcceptedIsLost() throws Exception {
        UnixSocketTransport transport = transport(2);
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        TaskDispatcher dispatcher = new TaskDispatcher(transport, new FrameEncoder(spill), DispatcherSettings.of(1),
                new TaskReplies());
        SocketChannel first = connect(transport.socketPath());
        SocketChannel second = connect(transport.socketPath());
        first.write(ByteBuffer.wrap(task(1, "first, before")));
        second.write(ByteBuffer.wrap(task(2, "second, before")));
        await().atMost(DEADLINE).until(() -> transport.connectionCount() == 2);
        // without the handshake this dispatch returned normally and its frame went into a connection closed unread
        assertThatExceptionOfType(UncheckedIOException.class)
            .isThrownBy(() -> dispatcher.dispatch(payload("refused")))
            .withMessageContaining("swoole.task.socket-max-connections");
        first.write(ByteBuffer.wrap(task(3, "first, after")));
        first.close();
        await().atMost(DEADLINE).until(() -> transport.connectionCount() == 1);
        dispatcher.dispatch(payload("dispatched once there was room"));
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(received(transport));
        }
        assertThat(seen).containsExactlyInAnyOrder("first, before", "second, before", "first, after",
                "dispatched once there was room");
        assertThat(transport.status().depth()).isZero();
    }

    private static OutgoingTask payload(String text) {
        return new OutgoingTask(null, 0, null, text.getBytes(StandardCharsets.UTF_8), -1);
    }

    @Test
    void aWakeFrameFirstFromAnotherProducerIsQueuedAsBeforeAndNeverAnswered() throws Exception {
        UnixSocketTransport transport = transport(4);
        SocketChannel client = connect(transport.socketPath());
        byte[] wake = new byte[TaskFrame.HEADER_SIZE];
        FrameEncoder.encodeWake(ByteBuffer.wrap(wake).order(ByteOrder.nativeOrder()));
        client.write(ByteBuffer.wrap(RawFrames.concat(wake, task(5, "after a wake-up"))));
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        int length = transport.receiver(0).receive(buffer);
        assertThat(length).as("the wake-up frame is queued").isEqualTo(TaskFrame.HEADER_SIZE);
        assertThat(buffer.frame().get(TaskFrame.OFFSET_TYPE) & 0xFF).isEqualTo(TaskFrame.TYPE_WAKE);
        assertThat(received(transport)).isEqualTo("after a wake-up");
        client.configureBlocking(false);
        assertThat(client.read(ByteBuffer.allocate(1))).as("another producer never gets a byte").isZero();
    }

    @Test
    void theAcceptorLivesThroughReaderThreadsThatCannotBeStarted() throws Exception {
        AtomicInteger made = new AtomicInteger();
        // as under a process limit: the JVM cannot create the first three reader threads
        ThreadFactory failingFirst = (body) -> {
            if (made.incrementAndGet() <= 3) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource"
                        + " limits reached");
            }
            Thread thread = new Thread(body);
            thread.setDaemon(true);
            return thread;
        };
        try (LogCapture log = LogCapture.of(SocketReaders.class)) {
            UnixSocketTransport transport = new UnixSocketTransport(this.tmp.resolve("threads.sock"), 0600, 1 << 20,
                    16, failingFirst);
            this.closeables.add(transport::close);
            List<SocketChannel> failed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                failed.add(connect(transport.socketPath()));
            }
            await().atMost(DEADLINE).until(() -> transport.acceptFailureCount() == 3);
            for (SocketChannel client : failed) {
                assertThat(closedByPeer(client)).as("a connection without a reader is closed").isTrue();
            }
            assertThat(transport.acceptorAlive()).isTrue();
            assertThat(transport.status().problems()).singleElement().asString()
                .contains("the last 3 connections").contains("unable to create native thread");
            SocketChannel served = connect(transport.socketPath());
            served.write(ByteBuffer.wrap(task(4, "served after the failures")));
            assertThat(received(transport)).isEqualTo("served after the failures");
            // the acceptor clears the failures once the reader it started is running, which may read the task first
            await("served again: no problem").atMost(DEADLINE).until(() -> transport.status().problems().isEmpty());
            assertThat(log.eventsContaining("unable to create native thread")).as("failures logged rate-limited")
                .hasSizeBetween(1, 2)
                .allSatisfy((line) -> assertThat(line).contains("the acceptor goes on"));
        }
    }

    @Test
    void theStatusNamesAProblemWhenTheAcceptorEnded() throws Exception {
        UnixSocketTransport transport = transport(4);
        assertThat(transport.status().problems()).isEmpty();
        // an interrupt closes the server socket under accept(): the one way left for the acceptor to end
        transport.acceptorThread().interrupt();
        await().atMost(DEADLINE).until(() -> !transport.acceptorAlive());
        assertThat(transport.status().problems()).singleElement().asString()
            .contains("the thread that accepts connections").contains("ended");
        assertThat(transport.details()).containsEntry("acceptorAlive", false);
    }

    @Test
    void warningsAboutSingleConnectionsAreRateLimited() throws Exception {
        UnixSocketTransport transport = transport(64);
        try (LogCapture log = LogCapture.of(SocketReaders.class)) {
            // each connection ends inside a frame header: worth a warning, but not 300 of them
            for (int i = 0; i < 300; i++) {
                SocketChannel client = connect(transport.socketPath());
                client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                client.close();
                this.clients.remove(client);
                await().atMost(DEADLINE).until(() -> transport.connectionCount() == 0);
            }
            assertThat(log.eventsContaining("closed after 3 bytes of a 12-byte frame header")).hasSizeBetween(1, 10);
        }
    }
}
