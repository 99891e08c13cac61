package io.github.swooletask.test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.test.autoconfigure.AutoConfigureSwooleTaskTest;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.WireFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The test starter as a user's {@code @SpringBootTest} uses it: tasks dispatched from Java and posted as PHP posts
 * them run on the application's handlers, on the in-memory transport, and the harness shows runs and dispatches.
 */
@SpringBootTest(classes = TestApplication.class)
@AutoConfigureSwooleTaskTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwooleTaskTestHarnessTests {

    @TempDir
    static Path tmp;

    @Autowired
    TaskOperations tasks;

    @Autowired
    SwooleTaskTestHarness harness;

    @Autowired
    TaskTransport transport;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("swoole.task.tmpdir", tmp::toString);
        registry.add("swoole.task.worker-num", () -> "2");
        registry.add("swoole.task.retry.max-retries", () -> "0");
        registry.add("swoole.task.dead-letter.enabled", () -> "false");
        // what a test of a real application meets: its configuration names a kernel queue
        registry.add("swoole.task.ipc-mode", () -> "3");
        registry.add("swoole.task.message-queue-key", () -> "0x515c0001");
    }

    @Test
    @Order(1)
    void theTasksRunOnTheInMemoryTransport() throws Exception {
        assertThat(this.transport).isInstanceOf(RecordingTransport.class);
        assertThat(this.transport.status().key()).isEqualTo("memory");
        int id = this.tasks.dispatch("resize", new ImageHandlers.Resize("cat.png", 120));
        List<HandledTask> runs = this.harness.awaitHandled(1);
        assertThat(runs).singleElement().satisfies((run) -> {
            assertThat(run.handlerId()).isEqualTo("imageHandlers.resize");
            assertThat(run.route()).isEqualTo("resize");
            assertThat(run.taskId()).isEqualTo(id);
            assertThat(run.succeeded()).isTrue();
            assertThat(run.result()).isEqualTo("cat.png@120");
        });
    }

    @Test
    @Order(2)
    void everyTestStartsAfresh() {
        assertThat(this.harness.handled()).as("the run of the test before is forgotten").isEmpty();
        assertThat(this.harness.dispatched()).isEmpty();
        assertThat(this.harness.rejectedCount()).isZero();
    }

    @Test
    void aCallCompletesWithTheHandlersResultOrItsFailure() throws Exception {
        assertThat(this.tasks.<String>call("resize", new ImageHandlers.Resize("dog.png", 64)).get(10,
                TimeUnit.SECONDS)).isEqualTo("dog.png@64");
        assertThat(this.tasks.call("resize", new ImageHandlers.Resize("dog.png", 0)))
            .failsWithin(10, TimeUnit.SECONDS).withThrowableThat().havingCause()
            .isInstanceOf(TaskExecutionException.class).withMessageContaining("width must be positive");
        List<HandledTask> runs = this.harness.awaitHandled(2);
        assertThat(runs).filteredOn((run) -> !run.succeeded()).singleElement()
            .satisfies((run) -> assertThat(run.failure()).isInstanceOf(IllegalArgumentException.class));
    }

    @Test
    void whatTheApplicationDispatchedIsShownAsAWorkerReadsIt() {
        this.tasks.dispatch("resize", new ImageHandlers.Resize("cat.png", 120));
        this.tasks.dispatch("hello");
        char[] large = new char[20_000];
        Arrays.fill(large, 'x');
        this.tasks.dispatch(new String(large));
        List<DispatchedTask> dispatched = this.harness.awaitDispatched(3);
        assertThat(dispatched).extracting(DispatchedTask::name).containsExactly("resize", null, null);
        assertThat(dispatched.get(0).isJson()).isTrue();
        assertThat(dispatched.get(0).text()).isEqualTo("{\"image\":\"cat.png\",\"width\":120}");
        assertThat(dispatched.get(1).text()).isEqualTo("hello");
        assertThat(dispatched.get(2).text()).as("a spilled payload, read from its file").hasSize(20_000);
        assertThat(dispatched).extracting(DispatchedTask::format).containsOnly(WireFormat.SWOOLE_1_7);
        assertThat(this.harness.awaitHandled(3)).extracting(HandledTask::succeeded).containsOnly(true);
        assertThat(this.harness.handled()).filteredOn((run) -> run.payload().length == 20_000).hasSize(1);
    }

    @Test
    void textPostedAsSwoolesPhpClientPostsItGoesToTheDefaultHandler() {
        int id = this.harness.post(ExternalTask.text("Hello from PHP!"));
        assertThat(this.harness.awaitHandled(1)).singleElement().satisfies((run) -> {
            assertThat(run.taskId()).isEqualTo(id);
            assertThat(run.handlerId()).isEqualTo("imageHandlers.fromPhp");
            assertThat(run.flags()).isEqualTo(TaskFlags.NONBLOCK);
            assertThat(run.result()).isEqualTo("text Hello from PHP! in swoole-1.7");
        });
        assertThat(this.harness.dispatched()).as("a posted task is no dispatch of the application").isEmpty();
    }

    @Test
    void phpArraysPostedInEveryLayoutBecomeMapsAndLists() {
        this.harness.post(ExternalTask.serialized(Map.of("image", "cat.png")).withTaskId(7));
        this.harness.post(ExternalTask.serialized(List.of("a", "b")).in(WireFormat.SWOOLE_6_1).withTaskId(8));
        this.harness.post(ExternalTask.serializedData("a:1:{s:5:\"width\";i:64;}").in(WireFormat.SWOOLE_4_8)
            .withTaskId(9));
        this.harness.post(ExternalTask.json("{\"image\":\"owl.png\",\"width\":32}").named("resize").withTaskId(10));
        assertThat(this.harness.awaitHandled(4)).extracting(HandledTask::taskId, HandledTask::result)
            .containsExactlyInAnyOrder(tuple(7, "map {image=cat.png} in swoole-1.7"),
                    tuple(8, "list [a, b] in swoole-6.1"),
                    tuple(9, "map {width=64} in swoole-4.8"),
                    tuple(10, "owl.png@32"));
    }

    @Test
    void rawFramesInBothLayoutsArePostedAsTheyAre() {
        byte[] data = "raw".getBytes(StandardCharsets.UTF_8);
        ByteBuffer classic = ByteBuffer.allocate(TaskFrame.HEADER_SIZE + data.length).order(ByteOrder.nativeOrder());
        classic.putInt(21).putShort((short) data.length).putShort((short) 0).put((byte) TaskFrame.TYPE_TASK)
            .put((byte) 0).putShort((short) TaskFlags.NONBLOCK).put(data);
        this.harness.post(classic.array());
        byte[] modern = this.harness.frame(ExternalTask.text("modern").in(WireFormat.SWOOLE_6_1).withTaskId(22));
        ByteBuffer header = ByteBuffer.wrap(modern).order(ByteOrder.nativeOrder());
        assertThat(modern).hasSize(DataHead.HEADER_SIZE + 6);
        assertThat(header.getLong(DataHead.OFFSET_FD)).isEqualTo(22);
        assertThat(header.get(DataHead.OFFSET_TYPE)).isEqualTo((byte) DataHead.TYPE_TASK_6_1);
        assertThat(header.getShort(DataHead.OFFSET_EXT_FLAGS)).isEqualTo((short) (TaskFlags.NONBLOCK
                | TaskFlags.NOREPLY));
        this.harness.post(modern);
        assertThat(this.harness.awaitHandled(2)).extracting(HandledTask::taskId, HandledTask::text)
            .containsExactlyInAnyOrder(tuple(21, "raw"),
                    tuple(22, "modern"));
    }

    @Test
    void aLargePostedPayloadIsSpilledAsTheWireFormatSays() {
        char[] large = new char[10_000];
        Arrays.fill(large, 'y');
        byte[] frame = this.harness.frame(ExternalTask.text(new String(large)).withTaskId(31));
        ByteBuffer header = ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder());
        assertThat(header.getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.TMPFILE).isEqualTo(TaskFlags.TMPFILE);
        assertThat(header.getShort(TaskFrame.OFFSET_LENGTH)).isEqualTo((short) TaskFrame.SPILL_LENGTH);
        this.harness.post(frame);
        assertThat(this.harness.awaitHandled(1)).singleElement()
            .satisfies((run) -> assertThat(run.payload()).hasSize(10_000));
    }

    @Test
    void malformedMessagesAreRejectedAndTheWorkersGoOn() {
        this.harness.post(new byte[] { 1, 2, 3 });
        this.harness.post(ExternalTask.text("for nobody").named("nobody"));
        assertThat(this.harness.awaitRejected(2)).isEqualTo(2);
        this.harness.post(ExternalTask.text("still here"));
        assertThat(this.harness.awaitHandled(1)).singleElement()
            .satisfies((run) -> assertThat(run.text()).isEqualTo("still here"));
    }

    @Test
    void aWaitThatIsNotMetFailsWithWhatCame() {
        assertThatExceptionOfType(AssertionError.class)
            .isThrownBy(() -> this.harness.awaitHandled(1, Duration.ofMillis(50)))
            .withMessageContaining("expected 1 handler runs within PT0.05S, saw 0");
    }
}
