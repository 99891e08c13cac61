package io.github.swooletask.spring.autoconfigure.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.RedisServerExtension;
import io.github.swooletask.support.RedisStreamFixture;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Results for programs other than this application over Redis Streams: the project's PHP client (a real {@code php}
 * with phpredis) calls handlers through its {@code swoole-task --redis} command and gets their results, or their
 * errors, on a reply stream of its own that it deletes; a task whose {@code reply-to} names a key that is no reply
 * stream of the task stream is refused and does not run.
 */
class RedisResultsForOtherProgramsIntegrationTests {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private static final Path COMMAND = Path.of("..", "clients", "php", "bin", "swoole-task").toAbsolutePath()
        .normalize();

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.ephemeral();

    @TempDir
    Path tmp;

    @RegisterExtension
    final RedisStreamFixture streams = new RedisStreamFixture(redis, "other");

    /** This test's stream. */
    private String stream() {
        return this.streams.stream();
    }

    /** Raw commands on this test's server. */
    private RedisCommands<byte[], byte[]> redis() {
        return this.streams.commands();
    }



    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class,
                    SwooleTaskRedisStreamsAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withBean(Handlers.class)
            .withPropertyValues("swoole.task.transport=redis-streams", "swoole.task.redis.stream=" + stream(),
                    "swoole.task.redis.instance-id=java", "swoole.task.redis.block-timeout=200ms",
                    "swoole.task.worker-num=2", "swoole.task.retry.max-retries=0", "swoole.task.tmpdir=" + this.tmp,
                    "swoole.task.dead-letter.enabled=false", "spring.data.redis.host=" + redis.host(),
                    "spring.data.redis.port=" + redis.port(), "swoole.task.shutdown-timeout=5s");
    }

    @Test
    void thePhpCommandCallsHandlersOverRedisAndGetsTheirResults() {
        runner().run((context) -> {
            assertThat(context).hasNotFailed();
            Result text = php("call", "--name", "upper", "shout");
            assertThat(text.exitCode()).as(text.output()).isZero();
            assertThat(text.output()).isEqualTo("\"SHOUT\"\n");

            Result array = php("call", "--wire", "swoole-6.1", "--name", "thumbnail", "--serialize",
                    "{\"image\":\"cat.png\",\"width\":120}");
            assertThat(array.exitCode()).as(array.output()).isZero();
            assertThat(array.output()).as("a PHP array back, printed as JSON")
                .isEqualTo("{\"image\":\"cat.png\",\"path\":\"/thumbs/120/cat.png\"}\n");

            Result posted = php("post", "--name", "note", "fire and forget");
            assertThat(posted.exitCode()).as(posted.output()).isZero();
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(DEADLINE).until(() -> handlers.notes.contains("fire and forget"));

            assertThat(redis().keys(bytes(stream() + ":replies:php-*")))
                .as("each command deleted its reply stream").isEmpty();
        });
    }

    @Test
    void aFailedHandlerEndsTheCallWithItsError() {
        runner().run((context) -> {
            Result failed = php("call", "--name", "boom", "now");
            assertThat(failed.exitCode()).as(failed.output()).isEqualTo(1);
            assertThat(failed.output()).isEqualTo("IllegalStateException: boom: now\n");
            Result unknown = php("call", "--name", "nobody", "x");
            assertThat(unknown.exitCode()).as(unknown.output()).isEqualTo(1);
            assertThat(unknown.output()).contains("no @TaskHandler takes the task name 'nobody'");
        });
    }

    @Test
    void aShellScriptGetsAResultWithRedisCliAsTheReadmeShows() {
        runner().run((context) -> {
            String reply = stream() + ":replies:sh-1";
            // task 9, 11 bytes of data, type 7, flags REPLY | ROUTED; data: the name "upper" (5 bytes), then "hello"
            String script = "printf '\\x09\\x00\\x00\\x00\\x0b\\x00\\x00\\x00\\x07\\x00\\x00\\x0a\\x05upperhello'"
                    + " | redis-cli -p " + redis.port() + " -x XADD " + stream() + " '*' reply-to " + reply
                    + " frame > /dev/null"
                    + " && redis-cli -p " + redis.port() + " --raw XREAD BLOCK 10000 STREAMS " + reply + " 0-0"
                    + " | tail -1";
            Process shell = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(output).as("the payload field of the reply, the last line XREAD prints").isEqualTo("HELLO\n");
        });
    }

    @Test
    void aReplyToThatIsNoReplyStreamOfTheTaskStreamIsRefusedAndTheTaskDoesNotRun() {
        runner().run((context) -> {
            Handlers handlers = context.getBean(Handlers.class);
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            post("elsewhere", "refused");
            post(stream() + ":replies:", "refused too");
            post(stream() + ":replies:raw-caller", "answered");
            await().atMost(DEADLINE).until(() -> pool.statistics().rejectedCount(RejectReason.REPLY_TARGET) == 2
                    && redis().exists(bytes(stream() + ":replies:raw-caller")) == 1);
            assertThat(handlers.notes).containsExactly("answered");
            assertThat(redis().exists(bytes("elsewhere"))).isZero();
            var reply = redis().xrange(bytes(stream() + ":replies:raw-caller"),
                    Range.create("-", "+")).get(0).getBody();
            Map<String, byte[]> fields = new LinkedHashMap<>();
            reply.forEach((name, value) -> fields.put(new String(name, StandardCharsets.UTF_8), value));
            assertThat(fields.keySet()).containsExactly("task", "tag", "flags", "payload");
            assertThat(fields.get("task")).as("int32 little-endian").containsExactly(9, 0, 0, 0);
            assertThat(fields.get("flags")).as("no flags: a void handler's empty result").containsExactly(0, 0, 0, 0);
        });
    }

    /** A raw entry as another program writes it: a named task with REPLY, task id 9, and a reply-to. */
    private void post(String replyTo, String note) {
        byte[] name = bytes("note");
        byte[] data = RawFrames.concat(new byte[] { (byte) name.length }, name, bytes(note));
        byte[] frame = RawFrames.frame(9, TaskFrame.TYPE_TASK, TaskFlags.REPLY | TaskFlags.ROUTED, data);
        Map<byte[], byte[]> entry = new LinkedHashMap<>();
        entry.put(bytes("frame"), frame);
        entry.put(bytes("reply-to"), bytes(replyTo));
        redis().xadd(bytes(stream()), entry);
    }

    private Result php(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("php", COMMAND.toString(), arguments[0], "--redis",
                redis.host() + ":" + redis.port(), "--stream", stream()));
        command.addAll(List.of(arguments).subList(1, arguments.length));
        Path output = Files.createTempFile(this.tmp, "php", ".out");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        }
        catch (IOException ex) {
            throw new IOException("php is needed for this test (apt-get install php8.2-cli php8.2-redis; .ci/run"
                    + " installs them): " + ex.getMessage(), ex);
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not end within 30 s");
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private record Result(int exitCode, String output) {
    }

    static class Handlers {

        final List<String> notes = new CopyOnWriteArrayList<>();

        @TaskHandler("upper")
        String upper(String text) {
            return text.toUpperCase();
        }

        @TaskHandler("thumbnail")
        Map<String, Object> thumbnail(Map<String, Object> request) {
            Map<String, Object> thumbnail = new LinkedHashMap<>();
            thumbnail.put("image", request.get("image"));
            thumbnail.put("path", "/thumbs/" + request.get("width") + "/" + request.get("image"));
            return thumbnail;
        }

        @TaskHandler("boom")
        String boom(String text) {
            throw new IllegalStateException("boom: " + text);
        }

        @TaskHandler("note")
        void note(String text) {
            this.notes.add(text);
        }
    }
}
