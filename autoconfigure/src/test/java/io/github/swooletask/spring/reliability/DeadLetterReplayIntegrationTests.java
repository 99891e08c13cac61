package io.github.swooletask.spring.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.php.PhpSerializer;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint.DeadLetterReplayResult;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Dead letters sent again through the endpoint once the handler is fixed, on a real System V queue with the
 * dead-letter directory: each becomes a new task with its name and its payload's encoding (text, JSON, PHP
 * {@code serialize()} from another program), oldest first and at most {@code max}; files that cannot be read and
 * dead letters the dispatcher refuses are kept and named; a full queue ends the replay and loses nothing.
 */
class DeadLetterReplayIntegrationTests {

    @TempDir
    Path root;

    private final Orders orders = new Orders();

    private Path deadLetters() {
        return this.root.resolve("dead-letters");
    }

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.runner(this.root)
            .withBean(Orders.class, () -> this.orders)
            .withPropertyValues("management.endpoints.web.exposure.include=swooletask", "swoole.task.worker-num=1",
                    "swoole.task.retry.max-retries=0", "swoole.task.batching.enabled=false");
    }

    @Test
    void fixedHandlersGetTheirDeadLettersAgainWithNameAndEncoding() {
        runner().run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            tasks.dispatch("text", "first");
            tasks.dispatch("order", new Order("A-7", 3));
            RawFrames.send(SwooleTaskTestSupport.queue(context), 2,
                    RawFrames.frame(41, 7, TaskFlags.NONBLOCK | TaskFlags.SERIALIZE,
                            PhpSerializer.write(Map.of("sku", "B-1"))));
            SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
            await("three dead letters").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> endpoint.describe().deadLetters().count() == 3);
            assertThat(endpoint.describe().deadLetters().location()).isEqualTo("directory " + deadLetters());

            this.orders.broken = false;
            DeadLetterReplayResult replay = endpoint.replayDeadLetters("dead-letters", "replay", null);
            assertThat(replay).isEqualTo(new DeadLetterReplayResult("directory " + deadLetters(), 3, 0, 0, 0, null,
                    List.of()));
            await("handled again").atMost(ReliabilitySupport.DEADLINE).until(() -> this.orders.handled.size() == 3);
            assertThat(this.orders.handled).as("in the order they failed, each as it was sent")
                .containsExactly("text first", "order Order[id=A-7, quantity=3]", "php {sku=B-1}");
            assertThat(files()).as("no dead letter left, none held by the replay").isEmpty();
            assertThat(endpoint.describe().deadLetters().count()).isZero();
        });
    }

    @Test
    void aReplaySendsTheOldestFirstAndAtMostMax() {
        runner().run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            for (int i = 1; i <= 4; i++) {
                tasks.dispatch("text", "t" + i);
                awaitDeadLetters(context, i);
            }
            this.orders.broken = false;
            SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
            DeadLetterReplayResult replay = endpoint.replayDeadLetters("dead-letters", "replay", 2);
            assertThat(replay.sent()).isEqualTo(2);
            assertThat(replay.left()).isEqualTo(2);
            await("handled again").atMost(ReliabilitySupport.DEADLINE).until(() -> this.orders.handled.size() == 2);
            assertThat(this.orders.handled).containsExactly("text t1", "text t2");
            assertThat(endpoint.replayDeadLetters("dead-letters", "replay", 10).sent()).isEqualTo(2);
            await("the rest").atMost(ReliabilitySupport.DEADLINE).until(() -> this.orders.handled.size() == 4);
            assertThat(this.orders.handled).endsWith("text t3", "text t4");
        });
    }

    @Test
    void unreadableFilesAndRefusedDeadLettersAreKeptAndNamed() throws IOException {
        Path directory = SwooleTaskTestSupport.directory(deadLetters());
        Path garbage = Files.writeString(directory.resolve("1000000000000-task1.deadletter"), "no header here");
        String longName = "n".repeat(300);
        Path refused = Files.write(directory.resolve("1000000000001-task2.deadletter"), ("task-id: 2\nname: "
                + longName + "\nflags: 4\nhandler: Orders.text\nattempts: 1\ntime: x\nreason: r\n\npayload")
            .getBytes(StandardCharsets.UTF_8));
        Path good = Files.write(directory.resolve("1000000000002-task3.deadletter"),
                "task-id: 3\nname: text\nflags: 4\nhandler: Orders.text\nattempts: 1\ntime: x\nreason: r\n\nfine"
                    .getBytes(StandardCharsets.UTF_8));
        this.orders.broken = false;
        runner().run((context) -> {
            DeadLetterReplayResult replay = context.getBean(SwooleTaskEndpoint.class)
                .replayDeadLetters("dead-letters", "replay", null);
            assertThat(replay.sent()).isEqualTo(1);
            assertThat(replay.unreadable()).isEqualTo(1);
            assertThat(replay.refused()).isEqualTo(1);
            assertThat(replay.left()).isEqualTo(2);
            assertThat(replay.problems()).hasSize(2);
            assertThat(replay.problems().get(0)).isEqualTo("1000000000000-task1.deadletter: no empty line ends the"
                    + " header");
            assertThat(replay.problems().get(1)).startsWith("1000000000001-task2.deadletter (task 2): a task name"
                    + " must be 1 to 255 bytes");
            await("the good one handled").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> this.orders.handled.contains("text fine"));
            assertThat(garbage).exists();
            assertThat(refused).exists();
            assertThat(good).doesNotExist();
            assertThat(files()).containsExactlyInAnyOrder(garbage, refused);
        });
    }

    @Test
    void aFullQueueEndsTheReplayAndKeepsTheDeadLetters() {
        runner().withPropertyValues("swoole.task.full-queue-policy=fail").run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            tasks.dispatch("text", "kept");
            awaitDeadLetters(context, 1);
            this.orders.broken = false;
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            pool.pause();
            await("paused").atMost(ReliabilitySupport.DEADLINE).until(() -> pool.pausedCount() == 1);
            int fillers = 0;
            try {
                while (fillers < 100_000) {
                    tasks.dispatch("text", "filler");
                    fillers++;
                }
            }
            catch (QueueFullException ex) {
                // the queue is full
            }
            SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
            DeadLetterReplayResult replay = endpoint.replayDeadLetters("dead-letters", "replay", null);
            assertThat(replay.sent()).isZero();
            assertThat(replay.left()).isEqualTo(1);
            assertThat(replay.stoppedBy()).contains("full");
            assertThat(files()).hasSize(1);
            pool.resume();
            int queued = fillers;
            await("the fillers handled").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> this.orders.handled.size() == queued);
            assertThat(endpoint.replayDeadLetters("dead-letters", "replay", null).sent()).isEqualTo(1);
            await("the dead letter handled").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> this.orders.handled.contains("text kept"));
        });
    }

    @Test
    void withoutDeadLettersThereIsNothingToReplayAndTheEndpointSaysWhy() {
        runner().withPropertyValues("swoole.task.dead-letter.enabled=false").run((context) -> {
            SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
            assertThat(endpoint.describe().deadLetters()).isNull();
            assertThatExceptionOfType(InvalidEndpointRequestException.class)
                .isThrownBy(() -> endpoint.replayDeadLetters("dead-letters", "replay", null))
                .withMessageContaining("No dead letters to replay: the TaskRecoverer keeps none");
        });
        runner().run((context) -> assertThatExceptionOfType(InvalidEndpointRequestException.class)
            .isThrownBy(() -> context.getBean(SwooleTaskEndpoint.class).replayDeadLetters("dead-letters", "again",
                    null))
            .withMessageContaining("Unknown operation 'dead-letters/again': use dead-letters/replay"));
    }

    private void awaitDeadLetters(AssertableApplicationContext context, long count) {
        SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
        await("dead letters").atMost(ReliabilitySupport.DEADLINE)
            .until(() -> endpoint.describe().deadLetters().count() == count);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(deadLetters())) {
            return files.toList();
        }
    }

    record Order(String id, int quantity) {
    }

    static class Orders {

        volatile boolean broken = true;

        final List<String> handled = new CopyOnWriteArrayList<>();

        @TaskHandler("text")
        public void text(String text) {
            run("text " + text);
        }

        @TaskHandler("order")
        public void order(Order order) {
            run("order " + order);
        }

        @TaskHandler
        public void fromPhp(Object payload) {
            run("php " + payload);
        }

        private void run(String what) {
            if (this.broken) {
                throw new IllegalStateException("the database is down");
            }
            this.handled.add(what);
        }
    }
}
