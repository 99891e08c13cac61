package io.github.swooletask.spring.autoconfigure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.WireFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@code swoole.task.wire-format}: what {@link TaskTemplate} writes for a Swoole server's PHP task workers, on an
 * in-memory transport with no worker reading (auto-startup off), so every frame sent can be looked at.
 */
class WireFormatTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20).withPropertyValues(
                "swoole.task.auto-startup=false");
    }


    private static ByteBuffer frame(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    @Test
    void theDefaultIsTheTwelveByteLayoutWithJsonForObjects() {
        runner().run((context) -> {
            assertThat(context.getBean(TaskDispatcher.class).wireFormat()).isEqualTo(WireFormat.SWOOLE_1_7);
            context.getBean(TaskTemplate.class).dispatch(Map.of("k", 1));
            ByteBuffer sent = frame(((InMemoryTransport) context.getBean(TaskTransport.class)).sent().get(0));
            assertThat(sent.get(TaskFrame.OFFSET_TYPE)).isEqualTo((byte) 7);
            assertThat(sent.getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.JSON).isEqualTo(TaskFlags.JSON);
        });
    }

    @Test
    void swoole61WritesWhatTaskPackWritesWithObjectsAsPhpArrays() {
        runner().withPropertyValues("swoole.task.wire-format=swoole-6.1").run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            tasks.dispatch("plain text");
            tasks.dispatch(new Thumb("cat.png", 120));
            tasks.dispatch(List.of(1, "two"));
            List<byte[]> sent = ((InMemoryTransport) context.getBean(TaskTransport.class)).sent();
            assertThat(sent).hasSize(3);

            ByteBuffer text = frame(sent.get(0));
            assertThat(text.getInt(DataHead.OFFSET_LEN)).isEqualTo(sent.get(0).length - 40);
            assertThat(text.get(DataHead.OFFSET_TYPE)).isEqualTo((byte) 8);
            assertThat(text.getShort(DataHead.OFFSET_EXT_FLAGS) & 0xFFFF)
                .isEqualTo(TaskFlags.NONBLOCK | TaskFlags.NOREPLY);
            assertThat(new String(sent.get(0), 40, sent.get(0).length - 40, StandardCharsets.UTF_8))
                .isEqualTo("plain text");

            ByteBuffer record = frame(sent.get(1));
            assertThat(record.getShort(DataHead.OFFSET_EXT_FLAGS) & 0xFFFF)
                .isEqualTo(TaskFlags.SERIALIZE | TaskFlags.NONBLOCK | TaskFlags.NOREPLY);
            assertThat(PhpUnserializer.read(ByteBuffer.wrap(sent.get(1), 40, sent.get(1).length - 40)))
                .isEqualTo(Map.of("image", "cat.png", "width", 120L));
            assertThat(PhpUnserializer.read(ByteBuffer.wrap(sent.get(2), 40, sent.get(2).length - 40)))
                .isEqualTo(List.of(1L, "two"));
        });
    }

    @Test
    void swoole48UsesType7AndRefusesTaskNames() {
        runner().withPropertyValues("swoole.task.wire-format=swoole-4.8").run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            assertThatIllegalArgumentException().isThrownBy(() -> tasks.dispatch("resize", "x"))
                .withMessageContaining("task name 'resize' cannot travel in wire format swoole-4.8")
                .withMessageContaining("swoole-1.7");
            tasks.dispatch("unnamed");
            byte[] sent = ((InMemoryTransport) context.getBean(TaskTransport.class)).sent().get(0);
            assertThat(frame(sent).get(DataHead.OFFSET_TYPE)).isEqualTo((byte) 7);
        });
    }

    @Test
    void anUnknownFormatFailsTheStartupWithTheNamesItTakes() {
        runner().withPropertyValues("swoole.task.wire-format=swoole-5").run((context) -> assertThat(context)
            .getFailure().rootCause().hasMessageContaining("swoole-1.7, swoole-4.8, swoole-6.1"));
    }

    record Thumb(String image, int width) {
    }
}
