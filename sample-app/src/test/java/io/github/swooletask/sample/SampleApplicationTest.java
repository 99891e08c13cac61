package io.github.swooletask.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.TaskTransport;

import static org.assertj.core.api.Assertions.assertThat;

/** The sample service end to end: REST in, task workers, results back, PHP posting to its queue. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SampleApplicationTest {

    /** Removes the test's keyed queue when the context closes: after the workers stopped, before the transport. */
    @TestConfiguration
    static class RemoveQueueOnClose {

        @Bean
        DisposableBean removeTestQueue(TaskTransport transport) {
            return () -> ((SysVTransport) transport).queue().remove();
        }
    }


    static final int KEY = 0x515a0000 | ThreadLocalRandom.current().nextInt(1, 0x10000);

    static Path deadLetters;

    @LocalServerPort
    int port;

    @Autowired
    ThumbnailTasks handlers;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        deadLetters = Files.createTempDirectory("sample-dead-letters");
        registry.add("swoole.task.message-queue-key", () -> "0x" + Integer.toHexString(KEY));
        registry.add("swoole.task.dead-letter.directory", deadLetters::toString);
        registry.add("server.port", () -> "0");
    }

    @AfterAll
    static void removeDeadLetters() throws IOException {
        try (var files = Files.list(deadLetters)) {
            files.forEach((file) -> file.toFile().delete());
        }
        Files.deleteIfExists(deadLetters);
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
        // kept as a dead letter after one attempt: the sample excludes IllegalArgumentException from retry
        String letter;
        try (var files = Files.list(deadLetters)) {
            letter = Files.readString(files.findFirst().orElseThrow());
        }
        assertThat(letter).contains("attempts: 1").contains("width must be positive").endsWith("\"width\":0}");
    }

    @Test
    void queuedTextReachesTheDefaultHandler() throws Exception {
        HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri("/tasks/text"))
            .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello from curl")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).contains("\"queued\":true");
        waitFor(() -> this.handlers.recent().stream().anyMatch((line) -> line.contains("hello from curl")));
    }

    @Test
    void phpClientPostsToTheSameQueue() throws Exception {
        Path script = Path.of("src/test/resources/php/post-task.php").toAbsolutePath();
        Process php = new ProcessBuilder("php", script.toString(), Integer.toString(KEY), "hello from php")
            .redirectErrorStream(true).start();
        assertThat(php.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(php.exitValue()).as(new String(php.getInputStream().readAllBytes())).isZero();
        waitFor(() -> this.handlers.recent().stream().anyMatch((line) -> line.contains("text task")
                && line.contains("hello from php")));
        waitFor(() -> this.handlers.recent().stream().anyMatch((line) -> line.contains("map task")
                && line.contains("size=XL")));
    }

    @Test
    void actuatorShowsHealthAndTheQueue() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("swooleTask");
        HttpResponse<String> queue = get("/actuator/swooletask");
        assertThat(queue.statusCode()).isEqualTo(200);
        assertThat(queue.body()).contains(String.format("0x%08x", KEY)).contains("msgmnb");
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.body()).contains("swoole_task_queue_depth");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return this.http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + this.port + path);
    }

    static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }
}
