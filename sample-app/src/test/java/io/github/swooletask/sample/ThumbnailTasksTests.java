package io.github.swooletask.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.test.DispatchedTask;
import io.github.swooletask.test.ExternalTask;
import io.github.swooletask.test.HandledTask;
import io.github.swooletask.test.SwooleTaskTestHarness;
import io.github.swooletask.test.autoconfigure.AutoConfigureSwooleTaskTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's handlers tested as an application's own tests would, with swoole-task-spring-boot-starter-test: the
 * workers run on the in-memory transport (no kernel queue, whatever application.yml says), tasks come in through
 * the REST API, {@link TaskOperations} and frames posted as PHP posts them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureSwooleTaskTest
class ThumbnailTasksTests {

    /** The test's own dead-letter directory, removed after it (not a fixed path in the shared tmpdir). */
    @TempDir
    static Path deadLetters;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("swoole.task.dead-letter.directory", () -> deadLetters.resolve("dead-letters").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    TaskOperations tasks;

    @Autowired
    SwooleTaskTestHarness harness;

    @Autowired
    ThumbnailTasks handlers;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aThumbnailQueuedThroughTheApiIsMadeByItsHandler() throws Exception {
        HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri("/tasks/thumbnail"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"image\":\"cat.png\",\"width\":120}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);

        DispatchedTask dispatched = this.harness.awaitDispatched(1).get(0);
        assertThat(dispatched.name()).isEqualTo("thumbnail");
        assertThat(dispatched.text()).isEqualTo("{\"image\":\"cat.png\",\"width\":120}");
        assertThat(response.body()).contains("\"taskId\":" + dispatched.taskId());

        // two workers: the next task may end before the run that sent it is recorded
        Map<String, HandledTask> runs = this.harness.awaitHandled(2).stream()
            .collect(Collectors.toMap(HandledTask::handlerId, (run) -> run));
        assertThat(runs).containsOnlyKeys("thumbnailTasks.thumbnail", "thumbnailTasks.made");
        HandledTask run = runs.get("thumbnailTasks.thumbnail");
        assertThat(run.result()).isInstanceOfSatisfying(Thumbnail.class,
                (thumbnail) -> assertThat(thumbnail.path()).isEqualTo("/var/thumbs/120/cat.png"));
        // nobody waited for it, so @SendTo sent the thumbnail on as a task of its own
        DispatchedTask next = this.harness.awaitDispatched(2).get(1);
        assertThat(next.name()).isEqualTo("thumbnail.made");
        assertThat(next.text()).startsWith("{\"image\":\"cat.png\",\"width\":120,"
                + "\"path\":\"/var/thumbs/120/cat.png\"");
        assertThat(runs.get("thumbnailTasks.made").taskId()).isEqualTo(next.taskId());
        assertThat(this.handlers.recent()).containsSubsequence(
                "made /var/thumbs/120/cat.png (task " + next.taskId() + ")",
                "thumbnail cat.png -> /var/thumbs/120/cat.png (task " + dispatched.taskId() + ")");
    }

    @Test
    void aCallThroughTaskOperationsReturnsTheHandlersThumbnailWhichGoesNoFurther() throws Exception {
        Thumbnail thumbnail = this.tasks.<Thumbnail>call("thumbnail", new ThumbnailRequest("owl.png", 64))
            .get(10, TimeUnit.SECONDS);
        assertThat(thumbnail.path()).isEqualTo("/var/thumbs/64/owl.png");
        assertThat(this.harness.awaitHandled(1)).singleElement()
            .satisfies((run) -> assertThat(run.handlerId()).isEqualTo("thumbnailTasks.thumbnail"));
        this.tasks.dispatch("after the call");
        assertThat(this.harness.awaitDispatched(2)).as("the caller got the thumbnail: no thumbnail.made task")
            .extracting(DispatchedTask::name).containsExactly("thumbnail", null);
    }

    @Test
    void aFrameAsSwoolesPhpClientPacksItGoesToTheDefaultHandler() {
        // pack('lSsCCS', $taskId, strlen($data), 0, 7, 0, 4) . $data, as SwooleTask.php writes it
        byte[] data = "Hello from PHP!".getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(12 + data.length).order(ByteOrder.nativeOrder());
        frame.putInt(1).putShort((short) data.length).putShort((short) 0).put((byte) 7).put((byte) 0)
            .putShort((short) 4).put(data);
        this.harness.post(frame.array());

        assertThat(this.harness.awaitHandled(1)).singleElement()
            .satisfies((run) -> assertThat(run.handlerId()).isEqualTo("thumbnailTasks.fromOutside"));
        assertThat(this.handlers.recent()).first().isEqualTo("text task 1: Hello from PHP!");
    }

    @Test
    void aPhpArrayReachesTheDefaultHandlerAsAMap() {
        int id = this.harness.post(ExternalTask.serialized(Map.of("order", 7L)));
        this.harness.awaitHandled(1);
        assertThat(this.handlers.recent()).first().isEqualTo("map task " + id + ": {order=7}");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + this.port + path);
    }
}
