package io.github.swooletask.spring.health;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.ReplySink;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SwooleTaskHealthIndicator} on a stand-in transport: a problem the transport's status names makes it DOWN. */
class SwooleTaskHealthIndicatorTest {

    @TempDir
    Path tmp;

    @Test
    void downWhenTheTransportStatusNamesAProblem() {
        String problem = "the thread that accepts connections on Unix socket /tmp/x.sock ended";
        StandInTransport transport = new StandInTransport(List.of(problem));
        TaskWorkerPool pool = new TaskWorkerPool(transport, new SpillFiles(this.tmp, 1 << 20), (task) -> null,
                ReplySink.NONE, 1, TaskWorkerPool.threadFactory("health-test-"));
        Health health = new SwooleTaskHealthIndicator(transport, pool, null).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails().get("problems")).asList().containsExactly(problem);
    }

    @Test
    void upWhenTheTransportStatusNamesNone() {
        StandInTransport transport = new StandInTransport(List.of());
        TaskWorkerPool pool = new TaskWorkerPool(transport, new SpillFiles(this.tmp, 1 << 20), (task) -> null,
                ReplySink.NONE, 1, TaskWorkerPool.threadFactory("health-test-"));
        assertThat(new SwooleTaskHealthIndicator(transport, pool, null).health().getStatus()).isEqualTo(Status.UP);
    }

    /** A mode 1 transport whose status names the given problems; nothing is ever sent or received. */
    private static final class StandInTransport implements TaskTransport {

        private final List<String> problems;

        StandInTransport(List<String> problems) {
            this.problems = problems;
        }

        @Override
        public IpcMode mode() {
            return IpcMode.UNIX_SOCKET;
        }

        @Override
        public TaskReceiver receiver(int workerId) {
            return (buffer) -> TaskReceiver.CLOSED;
        }

        @Override
        public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
            return false;
        }

        @Override
        public void wake(int workerId) {
        }

        @Override
        public QueueStatus status() {
            return new QueueStatus(IpcMode.UNIX_SOCKET, "/tmp/x.sock", -1, "0600", 0, 0, 1 << 20, 0, 0,
                    this.problems);
        }

        @Override
        public long purge(DroppedFrames dropped) {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
