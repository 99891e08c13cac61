package io.github.swooletask.spring.autoconfigure.redis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.support.RedisSentinelExtension;
import io.github.swooletask.transport.TaskTransport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis Streams transport through Redis Sentinel ({@code spring.data.redis.sentinel.*}), against a real master,
 * replica and Sentinel: tasks and calls go to the master the Sentinel names, and after the master is killed and the
 * replica promoted, the workers and the dispatcher go on with the new master.
 */
class SwooleTaskRedisSentinelIntegrationTests {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class,
                    SwooleTaskRedisStreamsAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withBean(Upper.class)
            .withPropertyValues("swoole.task.transport=redis-streams", "swoole.task.redis.stream=sentinel-it",
                    "swoole.task.redis.instance-id=sentinel-it", "swoole.task.redis.block-timeout=200ms",
                    "swoole.task.worker-num=2", "swoole.task.retry.max-retries=0", "swoole.task.tmpdir=" + this.tmp,
                    "swoole.task.shutdown-timeout=5s", "spring.data.redis.timeout=1s",
                    "spring.data.redis.sentinel.master=" + RedisSentinelExtension.MASTER,
                    "spring.data.redis.sentinel.nodes=" + this.sentinel.nodes());
    }

    @Test
    void tasksGoToTheMasterTheSentinelNamesAndOnAfterAFailover() {
        runner().run((context) -> {
            assertThat(context).hasNotFailed();
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            Upper upper = context.getBean(Upper.class);
            assertThat(context.getBean(TaskTransport.class).details().get("server")).asString()
                .isEqualTo("master 'swoole' of Sentinel " + this.sentinel.nodes());
            assertThat(tasks.<String>call("upper", "before").get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo("BEFORE");
            int first = this.sentinel.masterPort();

            long killed = System.nanoTime();
            this.sentinel.failOver();
            long promoted = System.nanoTime();
            assertThat(this.sentinel.masterPort()).isNotEqualTo(first);
            // while the connections find the new master, dispatches fail fast (Redis is away) and are tried again
            await("a call through the new master").atMost(DEADLINE).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> tasks.<String>call("upper", "after").get(5, TimeUnit.SECONDS).equals("AFTER"));
            System.out.printf("SwooleTaskRedisSentinelIntegrationTests: replica promoted %d ms after the kill, first"
                    + " call answered through it %d ms after that%n", TimeUnit.NANOSECONDS.toMillis(promoted - killed),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promoted));
            assertThat(upper.seen).contains("before", "after");
        });
    }

    @Test
    void aClusterIsRefusedSayingWhatWorks() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class,
                    SwooleTaskRedisStreamsAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.transport=redis-streams", "swoole.task.tmpdir=" + this.tmp,
                    "spring.data.redis.cluster.nodes=127.0.0.1:7000,127.0.0.1:7001")
            .run((context) -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("or with a master that Redis Sentinel watches")
                .hasStackTraceContaining("Redis Cluster (spring.data.redis.cluster.*) is not supported"));
    }

    static class Upper {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @TaskHandler("upper")
        String upper(String text) {
            this.seen.add(text);
            return text.toUpperCase();
        }
    }
}
