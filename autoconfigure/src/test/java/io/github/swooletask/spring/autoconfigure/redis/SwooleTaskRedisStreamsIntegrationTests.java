package io.github.swooletask.spring.autoconfigure.redis;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.UrlResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.redis.RedisStreamsTransport;
import io.github.swooletask.spring.DeadLetterReplayer;
import io.github.swooletask.spring.DeadLetterStore;
import io.github.swooletask.spring.RemoteTaskFailure;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.support.RedisServerExtension;
import io.github.swooletask.support.RedisStreamFixture;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code swoole.task.transport=redis-streams} on Boot's Redis auto-configuration and a real redis-server: handlers
 * unchanged, calls across instances, the dead-letter stream, a PHP producer with phpredis, and what happens without
 * Redis on the class path.
 */
class SwooleTaskRedisStreamsIntegrationTests {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.ephemeral();

    @TempDir
    Path tmp;

    @RegisterExtension
    final RedisStreamFixture streams = new RedisStreamFixture(redis, "it");

    /** This test's stream. */
    private String stream() {
        return this.streams.stream();
    }

    /** Raw commands on this test's server. */
    private RedisCommands<byte[], byte[]> redis() {
        return this.streams.commands();
    }



    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private ApplicationContextRunner runner(String instance) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class,
                    SwooleTaskRedisStreamsAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withUserConfiguration(Handlers.class)
            .withPropertyValues("swoole.task.transport=redis-streams", "swoole.task.redis.stream=" + stream(),
                    "swoole.task.redis.instance-id=" + instance, "swoole.task.redis.block-timeout=200ms",
                    "swoole.task.worker-num=2", "swoole.task.retry.max-retries=0",
                    "swoole.task.tmpdir=" + this.tmp, "spring.data.redis.host=" + redis.host(),
                    "spring.data.redis.port=" + redis.port(), "swoole.task.shutdown-timeout=5s");
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        @Bean
        Recorder recorder() {
            return new Recorder();
        }
    }

    /** Records what it handled; "upper" returns a result, "boom" fails. */
    static class Recorder {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @TaskHandler
        void record(Object payload, TaskContext context) {
            this.seen.add(String.valueOf(payload) + " @" + context.delivery().get(RedisStreamsTransport.STREAM));
        }

        @TaskHandler("upper")
        String upper(String text) {
            return text.toUpperCase();
        }

        @TaskHandler("boom")
        String boom(String text) {
            throw new IllegalStateException("boom: " + text);
        }

        volatile boolean fixed;

        @TaskHandler("fixable")
        void fixable(String text) {
            if (!this.fixed) {
                throw new IllegalStateException("not yet: " + text);
            }
            this.seen.add("fixed " + text);
        }

        @TaskHandler("thumbnail")
        Map<String, Object> thumbnail(Map<String, Object> request) {
            return Map.of("image", request.get("image"), "path", "/thumbs/" + request.get("image"));
        }
    }

    @Test
    void handlersRunUnchangedOverTheStream() {
        runner("solo").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(TaskTransport.class)).isInstanceOf(RedisStreamsTransport.class);
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            tasks.dispatch("hello over redis");
            assertThat(tasks.<String>call("upper", "shout").get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo("SHOUT");
            Recorder recorder = context.getBean(Recorder.class);
            await().atMost(DEADLINE).until(() -> recorder.seen.contains("hello over redis @" + stream()));
            Map<String, Object> details = context.getBean(TaskTransport.class).details();
            assertThat(details).containsEntry("stream", stream()).containsEntry("group", "swoole-task")
                .containsKey("consumers");
        });
    }

    @Test
    void aCallAnsweredOnAnotherInstanceCompletesTheCallersFuture() {
        runner("worker-instance").run((worker) -> runner("caller-instance")
            .withPropertyValues("swoole.task.auto-startup=false").run((caller) -> {
                assertThat(caller.getBean(TaskWorkerPool.class).isRunning()).isFalse();
                TaskTemplate tasks = caller.getBean(TaskTemplate.class);
                assertThat(tasks.<String>call("upper", "across hosts").get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo("ACROSS HOSTS");
                Object thumbnail = tasks.call("thumbnail", Map.of("image", "cat.png")).get(DEADLINE.toSeconds(),
                        TimeUnit.SECONDS);
                assertThat(thumbnail).isEqualTo(Map.of("image", "cat.png", "path", "/thumbs/cat.png"));
                ExecutionException failure = Assertions.catchThrowableOfType(
                        ExecutionException.class,
                        () -> tasks.call("boom", "x").get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
                assertThat(failure.getCause()).isInstanceOf(TaskExecutionException.class)
                    .hasCauseInstanceOf(RemoteTaskFailure.class);
                assertThat(failure.getCause().getCause()).hasMessage("IllegalStateException: boom: x");
            }));
    }

    @Test
    void manyCallsBetweenTwoWorkingInstancesAllComeBackBatchedOrNot() {
        runner("one").run((one) -> runner("two").run((two) -> {
            TaskTemplate tasks = one.getBean(TaskTemplate.class);
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                calls.add(tasks.call("upper", "call " + i));
            }
            for (int i = 0; i < calls.size(); i++) {
                assertThat(calls.get(i).get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("CALL " + i);
            }
        }));
    }

    @Test
    void aTaskThatFailedEveryAttemptGoesToTheDeadLetterStream() {
        runner("dead").run((context) -> {
            context.getBean(TaskTemplate.class).dispatch("boom", "poison");
            byte[] deadLetters = bytes(stream() + ":dead-letters");
            await().atMost(DEADLINE).until(() -> redis().xlen(deadLetters) == 1);
            StreamMessage<byte[], byte[]> entry = redis().xrange(deadLetters, Range.create("-", "+")).get(0);
            Map<String, String> fields = new HashMap<>();
            entry.getBody().forEach((key, value) -> fields.put(new String(key, StandardCharsets.UTF_8),
                    new String(value, StandardCharsets.UTF_8)));
            assertThat(fields).containsEntry("name", "boom").containsEntry("payload", "poison")
                .containsEntry("handler", "Recorder.boom");
            assertThat(fields.get("reason")).contains("IllegalStateException: boom: poison");
            await().atMost(DEADLINE).until(() -> redis().xpending(bytes(stream()), bytes("swoole-task"))
                .getCount() == 0);
        });
    }

    @Test
    void deadLettersInTheStreamAreSentAgainOnceFixedAndRemoved() {
        runner("replay").run((context) -> {
            context.getBean(TaskTemplate.class).dispatch("fixable", "order 7");
            byte[] deadLetters = bytes(stream() + ":dead-letters");
            await().atMost(DEADLINE).until(() -> redis().xlen(deadLetters) == 1);
            // what the transport puts there for an entry no worker could handle: its frame, no failed task
            redis().xadd(deadLetters, Map.of(bytes("frame"), bytes("raw"), bytes("reason"),
                    bytes("delivered 3 times")));
            DeadLetterStore store = (DeadLetterStore) context.getBean(TaskRecoverer.class);
            assertThat(store.count()).isEqualTo(2);
            assertThat(store.location()).isEqualTo("Redis stream " + stream() + ":dead-letters");
            context.getBean(Recorder.class).fixed = true;
            DeadLetterReplayer.Result result = new DeadLetterReplayer(store, context.getBean(TaskDispatcher.class))
                .replay(10);
            assertThat(result.sent()).isEqualTo(1);
            assertThat(result.unreadable()).isEqualTo(1);
            assertThat(result.left()).isEqualTo(1);
            assertThat(result.stoppedBy()).isNull();
            assertThat(result.problems()).singleElement().asString().contains("not a failed task but an entry no"
                    + " worker could handle (delivered 3 times)");
            await().atMost(DEADLINE).until(() -> context.getBean(Recorder.class).seen.contains("fixed order 7"));
            assertThat(redis().xrange(deadLetters, Range.create("-", "+"))).singleElement()
                .satisfies((entry) -> assertThat(entry.getBody().keySet())
                    .extracting((key) -> new String(key, StandardCharsets.UTF_8)).contains("frame"));
        });
    }

    @Test
    void aPhpProducerWithPhpredisPostsTextArraysAndLargePayloads() throws Exception {
        runner("php").run((context) -> {
            Path script = Path.of("src/test/resources/php/redis-producer.php").toAbsolutePath();
            Process php = new ProcessBuilder("php", script.toString(), Integer.toString(redis.port()), stream())
                .redirectErrorStream(true).start();
            String output = new String(php.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(php.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(php.exitValue()).as(output).isZero();
            Recorder recorder = context.getBean(Recorder.class);
            await().atMost(DEADLINE).until(() -> recorder.seen.size() == 3);
            assertThat(recorder.seen).contains("hello from PHP @" + stream(),
                    "[1, two, {k=3.5}] @" + stream(), "0123456789".repeat(10_000) + " @" + stream());
        });
    }

    @Test
    void withoutRedisOnTheClassPathTheStartupSaysWhatToAdd() {
        runner("none").withClassLoader(new FilteredClassLoader("io.lettuce", "org.springframework.boot.data.redis"))
            .run((context) -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("spring-boot-starter-data-redis"));
    }

    @Test
    void aRedisThatCannotBeReachedAtStartupIsExplainedNamingTheProperties() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        runner("unreachable").withPropertyValues("spring.data.redis.port=" + closed).run((context) -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new RedisTransportFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).startsWith("The Redis Streams transport could not start: cannot"
                    + " connect to Redis at " + redis.host() + ":" + closed + ": ").endsWith("(Connection refused)");
            assertThat(analysis.getAction()).contains("spring.data.redis.host", "spring.data.redis.sentinel.master",
                    "swoole.task.transport=local");
        });
        List<String> analyzers = new ArrayList<>();
        for (URL factories : Collections.list(getClass().getClassLoader().getResources(
                "META-INF/spring.factories"))) {
            String names = PropertiesLoaderUtils.loadProperties(new UrlResource(factories))
                .getProperty(FailureAnalyzer.class.getName(), "");
            analyzers.addAll(List.of(names.split(",")));
        }
        assertThat(analyzers).as("Boot finds the analyzer").contains(RedisTransportFailureAnalyzer.class.getName());
    }

    @Test
    void redisDownFailsADispatchWithTheServerInTheMessage() throws Exception {
        runner("down").run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            redis.kill();
            try {
                // with batching (the default) the first task may join a batch and return before its XADD fails;
                // the failed batch is kept, and every dispatch after it gets the failure
                Assertions.assertThatThrownBy(() -> {
                    for (int i = 0; i < 1000; i++) {
                        tasks.dispatch("nobody home");
                        Thread.sleep(5);
                    }
                }).hasMessageContaining("Redis at " + redis.host() + ":" + redis.port());
            }
            finally {
                redis.start();
            }
            await("dispatch works again once Redis is back").atMost(DEADLINE).ignoreExceptions()
                .until(() -> tasks.dispatch("back again") > 0);
        });
    }

}
