package io.github.swooletask.spring.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.unix.UnixSocketTransport;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The auto-configuration with real transports: modes, queues, handlers, retry, startup failures. */
class SwooleTaskAutoConfigurationIntegrationTests {

    /** The longest a test waits for the workers. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.keysOnly(0x51590001, 0x5159ffff);

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.tmpdir=" + this.tmp, "swoole.task.worker-num=2",
                    "swoole.task.dead-letter.directory=" + this.tmp.resolve("dead"),
                    "swoole.task.state-directory=" + this.tmp.resolve("state"), "swoole.task.retry.max-retries=0");
    }

    @Test
    void defaultModeIsUnixSocketUnderTmpdir() {
        runner().run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(TaskTemplate.class).hasSingleBean(TaskWorkerPool.class)
                .hasSingleBean(TaskDispatcher.class).hasSingleBean(TaskWorkerLifecycle.class);
            assertThat(context.getBean(TaskTransport.class)).isInstanceOf(UnixSocketTransport.class);
            assertThat(context.getBean(TaskTransport.class).status().key())
                .isEqualTo(this.tmp.resolve("swoole-task-application.sock").toString());
            assertThat(context.getBean(TaskWorkerPool.class).size()).isEqualTo(2);
        });
    }

    @Test
    void spillFilesOfOtherUsersAreReadOnlyFromTheTrustedProducerUids() {
        runner().run((context) -> assertThat(context.getBean(SpillFiles.class).trustedProducerUids()).isEmpty());
        runner().withPropertyValues("swoole.task.trusted-producer-uids=12345,777").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(SpillFiles.class).trustedProducerUids()).containsExactly(777, 12345);
        });
        runner().withPropertyValues("swoole.task.trusted-producer-uids=-1").run((context) -> assertThat(context)
            .getFailure().rootCause().hasMessageContaining("trusted producer uids must be 0 or more, got -1"));
    }

    @Test
    void ipcModeAcceptsNumbersAndNames() {
        for (String value : List.of("3", "msgqueue-preemptive", "MSGQUEUE_PREEMPTIVE")) {
            runner().withPropertyValues("swoole.task.ipc-mode=" + value).run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(TaskTransport.class).mode()).isEqualTo(IpcMode.MSGQUEUE_PREEMPTIVE);
            });
        }
        for (int number = 1; number <= 3; number++) {
            IpcMode expected = IpcMode.values()[number - 1];
            int yamlNumber = number;
            // an unquoted YAML number arrives as an Integer, not a String
            runner().withInitializer((context) -> context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("yaml",
                        Map.of("swoole.task.ipc-mode", yamlNumber))))
                .run((context) -> assertThat(context.getBean(TaskTransport.class).mode()).isEqualTo(expected));
        }
        runner().withPropertyValues("swoole.task.ipc-mode=2").run((context) -> assertThat(
                context.getBean(TaskTransport.class).mode()).isEqualTo(IpcMode.MSGQUEUE));
        runner().withPropertyValues("swoole.task.ipc-mode=4").run((context) -> assertThat(context).hasFailed()
            .getFailure().rootCause().hasMessageContaining("ipc-mode '4' is not one of 1 (unix-socket)"));
    }

    @Test
    void privateQueueIsRemovedWhenTheContextCloses() {
        int[] id = new int[1];
        runner().withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-perms=0640").run((context) -> {
            SysVTransport transport = (SysVTransport) context.getBean(TaskTransport.class);
            assertThat(transport.queue().isPrivate()).isTrue();
            assertThat(transport.status().permissions()).isEqualTo("0640");
            id[0] = transport.queue().id();
        });
        assertThat(queueIdExists(id[0])).isFalse();
    }

    @Test
    void keyedQueueSurvivesTheContextWithItsTasks() {
        int key = this.queues.freeKey();
        runner().withPropertyValues("swoole.task.ipc-mode=2", "swoole.task.message-queue-key=0x"
                + Integer.toHexString(key), "swoole.task.auto-startup=false").run((context) -> {
                    context.getBean(TaskTemplate.class).dispatch("left for the next start");
                    assertThat(context.getBean(TaskTransport.class).status().key())
                        .isEqualTo(String.format("0x%08x", key));
                });
        MessageQueue queue = MessageQueue.openExisting(key);
        assertThat(queue.stats().messages()).isEqualTo(1);
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        runner().withBean(Handlers.class, () -> new Handlers(seen))
            .withPropertyValues("swoole.task.ipc-mode=2", "swoole.task.message-queue-key=" + key)
            .run((context) -> {
                context.getBean(TaskWorkerLifecycle.class).start();
                await("the task left in the queue to run").atMost(DEADLINE)
                    .until(() -> seen.contains("default:left for the next start:EXTERNAL"));
            });
    }

    @Test
    void keyedQueueWithLooserPermissionsIsReportedAndRefusedWhenStrict() {
        MessageQueue looser = this.queues.createKeyed(0666);
        int key = looser.key();
        runner().withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-key=" + key,
                "swoole.task.strict-queue-owner=true")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("its permissions 0666 are looser than the configured 0600")
                .hasMessageContaining("strict-queue-owner=true"));
        runner().withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-key=" + key)
            .run((context) -> assertThat(context).hasNotFailed());
        assertThat(MessageQueue.openExisting(key).stats().mode()).as("an existing queue keeps its mode")
            .isEqualTo(0666);
    }

    @Test
    void handlersReceiveTasksByNameAndResultsComeBack() {
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        runner().withBean(Handlers.class, () -> new Handlers(seen)).withPropertyValues("swoole.task.ipc-mode=3")
            .run((context) -> {
                context.getBean(TaskWorkerLifecycle.class).start();
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                tasks.dispatch("plain text");
                tasks.dispatch("point", new Point(3, 4));
                CompletableFuture<Integer> area = tasks.call("area", new Point(6, 7));
                assertThat(area.get(5, TimeUnit.SECONDS)).isEqualTo(42);
                CompletableFuture<Object> bytes = tasks.call("bytes", new byte[] { 1, 2, 3 });
                assertThat(bytes.get(5, TimeUnit.SECONDS)).isEqualTo(3);
                CompletableFuture<Object> failing = tasks.call("fail", "x", Duration.ofSeconds(5));
                assertThatThrownBy(() -> failing.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("refused x");
                CompletableFuture<Object> map = tasks.call("map", Map.of("a", 1));
                assertThat(map.get(5, TimeUnit.SECONDS)).isEqualTo(Map.of("a", 1));
                await("the dispatched tasks to run").atMost(DEADLINE)
                    .until(() -> seen.containsAll(List.of("default:plain text:LOCAL", "point:Point[x=3, y=4]")));
            });
    }

    @Test
    void excludedExceptionsAreNotRetriedOthersAre() {
        AtomicInteger attempts = new AtomicInteger();
        runner().withBean(Flaky.class, () -> new Flaky(attempts))
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.retry.max-retries=2",
                    "swoole.task.retry.delay=10ms", "swoole.task.retry.excludes=java.lang.IllegalArgumentException")
            .run((context) -> {
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                CompletableFuture<Object> refused = tasks.call("bad input");
                assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(
                        IllegalArgumentException.class);
                assertThat(attempts.getAndSet(0)).isEqualTo(1);
                CompletableFuture<Object> flaky = tasks.call("flaky");
                assertThatThrownBy(() -> flaky.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(
                        IllegalStateException.class);
                assertThat(attempts.get()).isEqualTo(3);
            });
    }

    @Test
    void aFailingListenerDoesNotChangeTheTasksOutcome() {
        AtomicInteger attempts = new AtomicInteger();
        runner().withBean(Counting.class, () -> new Counting(attempts))
            .withBean(TaskExecutionListener.class, () -> (handler, nanos, failure) -> {
                throw new IllegalStateException("listener broke");
            })
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.retry.max-retries=2",
                    "swoole.task.retry.delay=10ms")
            .run((context) -> {
                CompletableFuture<Object> result = context.getBean(TaskTemplate.class).call("x");
                assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("done x");
                assertThat(attempts.get()).as("the handler ran once").isEqualTo(1);
                assertThat(context.getBean(TaskWorkerPool.class).statistics().failedCount()).isZero();
            });
    }

    static class Counting {

        private final AtomicInteger attempts;

        Counting(AtomicInteger attempts) {
            this.attempts = attempts;
        }

        @TaskHandler
        public String handle(String text) {
            this.attempts.incrementAndGet();
            return "done " + text;
        }
    }

    static class Flaky {

        private final AtomicInteger attempts;

        Flaky(AtomicInteger attempts) {
            this.attempts = attempts;
        }

        @TaskHandler
        public void handle(String text) {
            this.attempts.incrementAndGet();
            if (text.equals("bad input")) {
                throw new IllegalArgumentException("refused: " + text);
            }
            throw new IllegalStateException("failed: " + text);
        }
    }

    @Test
    void taskWithAnUnknownNameIsRejectedAndTheCallerToldWhy() {
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        runner().withBean(Handlers.class, () -> new Handlers(seen)).withPropertyValues("swoole.task.ipc-mode=3")
            .run((context) -> {
                context.getBean(TaskWorkerLifecycle.class).start();
                CompletableFuture<Object> call = context.getBean(TaskTemplate.class).call("nobody", "x");
                assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasMessageContaining(
                        "no @TaskHandler takes the task name 'nobody'");
                assertThat(context.getBean(TaskWorkerPool.class).statistics().rejectedCount()).isEqualTo(1);
            });
    }

    @Test
    void twoDefaultHandlersFailTheStartupNamingBoth() {
        runner().withBean(Handlers.class, () -> new Handlers(new CopyOnWriteArrayList<>()))
            .withUserConfiguration(SecondDefault.class).withPropertyValues("swoole.task.ipc-mode=3")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("Two @TaskHandler methods claim the default route")
                .hasMessageContaining("Handlers.onDefault").hasMessageContaining("SecondDefault.alsoDefault"));
    }

    @Test
    void handlerWithTwoPayloadsFailsTheStartup() {
        runner().withUserConfiguration(TwoPayloads.class).withPropertyValues("swoole.task.ipc-mode=3")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("declares more than one payload parameter"));
    }

    @Test
    void userTransportReplacesTheDefault() {
        SysVTransport mine = new SysVTransport(this.queues.createPrivate(0600), IpcMode.MSGQUEUE, 10);
        runner().withBean(TaskTransport.class, () -> mine).run((context) -> {
            assertThat(context.getBean(TaskTransport.class)).isSameAs(mine);
        });
    }

    @Test
    void badKeyAndPermsSayWhatIsWrong() {
        runner().withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-key=0xZZ")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("message-queue-key '0xZZ' is not a decimal or 0x-hex number"));
        runner().withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-perms=999")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("message-queue-perms '999' is not octal"));
    }

    @Test
    void metadataDescribesEveryProperty() throws Exception {
        String metadata;
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated configuration metadata").isNotNull();
            metadata = new String(in.readAllBytes());
        }
        for (String name : List.of("ipc-mode", "message-queue-key", "message-queue-perms", "message-queue-capacity",
                "worker-mtype-offset", "worker-num", "tmpdir", "socket-path", "socket-buffer-size", "max-payload-size",
                "full-queue-policy", "dispatch-timeout", "call-timeout", "shutdown-timeout", "auto-startup",
                "spill-max-age", "strict-queue-owner", "trusted-producer-uids", "socket-max-connections", "state-directory", "retry.max-retries", "retry.delay", "retry.multiplier",
                "retry.max-delay", "retry.excludes", "dead-letter.enabled", "dead-letter.directory",
                "batching.enabled", "batching.linger", "observation.enabled")) {
            assertThat(metadata).contains("\"name\": \"swoole.task." + name + "\"");
        }
        assertThat(metadata).contains("Unset: a private queue, removed at shutdown");
    }

    static boolean queueIdExists(int id) {
        try {
            return Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream().skip(1)
                .map((line) -> line.trim().split("\\s+")[1]).anyMatch((value) -> value.equals(Integer.toString(id)));
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    record Point(int x, int y) {
    }

    static class Handlers {

        private final List<String> seen;

        Handlers(List<String> seen) {
            this.seen = seen;
        }

        @TaskHandler
        public void onDefault(String text, TaskContext context) {
            this.seen.add("default:" + text + ":" + context.source());
        }

        @TaskHandler("point")
        public void onPoint(Point point) {
            this.seen.add("point:" + point);
        }

        @TaskHandler("area")
        public int area(Point point) {
            return point.x() * point.y();
        }

        @TaskHandler("bytes")
        public int length(byte[] bytes) {
            return bytes.length;
        }

        @TaskHandler("map")
        public Map<String, Object> echo(Map<String, Object> map) {
            return map;
        }

        @TaskHandler("fail")
        public void fail(String text) {
            throw new IllegalStateException("refused " + text);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SecondDefault {

        @TaskHandler
        public void alsoDefault(Object payload) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoPayloads {

        @TaskHandler("two")
        public void two(String a, String b) {
        }
    }
}
