package io.github.swooletask.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.swooletask.support.SysVQueueExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample service end to end: REST in, task workers, results back, PHP posting to its queue. The queue's key is
 * the test class's own; the extension removes the queue once the class is done and the context closed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SampleApplicationIntegrationTests {

    /** The longest a test waits for a task worker. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @RegisterExtension
    static final SysVQueueExtension queues = SysVQueueExtension.keysOnly(0x515a0001, 0x515affff);

    @TempDir
    static Path deadLetters;

    /** The key of the application's queue, picked when the context is made. */
    static int key;

    @LocalServerPort
    int port;

    @Autowired
    ThumbnailTasks handlers;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        key = queues.freeKey();
        registry.add("swoole.task.message-queue-key", () -> "0x" + Integer.toHexString(key));
        registry.add("swoole.task.dead-letter.directory", deadLetters::toString);
        registry.add("server.port", () -> "0");
    }

    @Test
    void thumbnailComesBackFromATaskWorker() throws Exception {
        HttpResponse<String> response = get("/tasks/thumbnail?image=cat.png&width=120");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"path\":\"/var/thumbs/120/cat.png\"").contains("\"width\":120");
    }

    @Test
    void invalidInputIsABadRequestAndIsNotRetried() throws Exception {
        HttpResponse<String> response = get("/tasks/thumbnail?image=cat.png&width=0");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("width must be positive, was 0").contains("ThumbnailTasks.thumbnail");
        // kept as a dead letter after one attempt: the handler's @Retryable excludes IllegalArgumentException
        String letter;
        try (var files = Files.list(deadLetters)) {
            letter = Files.readString(files.findFirst().orElseThrow());
        }
        assertThat(letter).contains("attempts: 1").contains("width must be positive").endsWith("\"width\":0}");
    }

    @Test
    void aRequestWithoutAnImageIsRefusedBeforeTheHandler() throws Exception {
        long lettersBefore = deadLetterCount();
        HttpResponse<String> response = get("/tasks/thumbnail?image=&width=120");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("bad-payload: task ")
            .contains("the payload for ThumbnailTasks.thumbnail is not valid: image: ").contains("(was '')");
        assertThat(deadLetterCount()).as("a rejected payload is no dead letter").isEqualTo(lettersBefore);
    }

    @Test
    void deadLettersAreSentAgainThroughTheActuator() throws Exception {
        get("/tasks/thumbnail?image=dog.png&width=0");
        await("a dead letter").atMost(DEADLINE).until(() -> deadLetterCount() >= 1);
        URI replayUri = uri("/actuator/swooletask/dead-letters/replay");
        HttpResponse<String> replay = this.http.send(HttpRequest.newBuilder(replayUri)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"max\": 100}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).contains("\"location\":\"directory " + deadLetters).contains("\"refused\":0")
            .doesNotContain("\"sent\":0").contains("\"problems\":[]");
        // the replayed request still has width 0: the handler refuses it again, and it is kept again
        await("kept again").atMost(DEADLINE).until(() -> deadLetterCount() >= 1);
        assertThat(get("/actuator/swooletask").body()).contains("\"deadLetters\":{\"location\":");
    }

    private static long deadLetterCount() throws Exception {
        try (var files = Files.list(deadLetters)) {
            return files.count();
        }
    }

    @Test
    void queuedTextReachesTheDefaultHandler() throws Exception {
        HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri("/tasks/text"))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("hello from curl"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).contains("\"queued\":true");
        await("the text to reach the default handler").atMost(DEADLINE)
            .until(() -> this.handlers.recent().stream().anyMatch((line) -> line.contains("hello from curl")));
    }

    @Test
    void phpClientPostsToTheSameQueue() throws Exception {
        Path script = Path.of("src/test/resources/php/post-task.php").toAbsolutePath();
        Process php = new ProcessBuilder("php", script.toString(), Integer.toString(key), "hello from php")
            .redirectErrorStream(true).start();
        assertThat(php.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(php.exitValue()).as(new String(php.getInputStream().readAllBytes())).isZero();
        await("PHP's text task to be handled").atMost(DEADLINE).until(() -> this.handlers.recent().stream()
            .anyMatch((line) -> line.contains("text task") && line.contains("hello from php")));
        await("PHP's map task to be handled").atMost(DEADLINE).until(() -> this.handlers.recent().stream()
            .anyMatch((line) -> line.contains("map task") && line.contains("size=XL")));
    }

    @Test
    void actuatorShowsHealthAndTheQueue() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("swooleTask");
        HttpResponse<String> queue = get("/actuator/swooletask");
        assertThat(queue.statusCode()).isEqualTo(200);
        assertThat(queue.body()).contains(String.format("0x%08x", key)).contains("msgmnb");
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.body()).contains("swoole_task_queue_depth");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return this.http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + this.port + path);
    }
}
