package io.github.swooletask.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.swooletask.support.SysVQueueExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing of the sample service with its real OpenTelemetry bridge, spans kept in memory: a traced HTTP request
 * that calls a task handler makes one trace holding the request's server span, the dispatch's producer span and the
 * handler's consumer span, each the child of the one before, with the messaging keys.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "management.opentelemetry.tracing.export.schedule-delay=50ms")
@DirtiesContext
class SampleApplicationTracingIntegrationTests {

    /** The longest a test waits for a task worker or the exporter. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");

    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation");

    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");

    @RegisterExtension
    static final SysVQueueExtension queues = SysVQueueExtension.keysOnly(0x515e0001, 0x515effff);

    @TempDir
    static Path deadLetters;

    @LocalServerPort
    int port;

    @Autowired
    InMemorySpanExporter spans;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        int key = queues.freeKey();
        registry.add("swoole.task.message-queue-key", () -> "0x" + Integer.toHexString(key));
        registry.add("swoole.task.dead-letter.directory", deadLetters::toString);
        registry.add("server.port", () -> "0");
    }

    @Test
    void aTracedRequestAndItsTaskHandlerAreOneTrace() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
            .newBuilder(URI.create("http://127.0.0.1:" + this.port + "/tasks/thumbnail?image=dog.png&width=64"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);

        await("the request's spans to be exported").atMost(DEADLINE).until(() -> serverSpan() != null
                && byName("process thumbnail") != null && byName("publish thumbnail") != null);
        SpanData server = serverSpan();
        SpanData publish = byName("publish thumbnail");
        SpanData process = byName("process thumbnail");

        assertThat(publish.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(process.getTraceId()).as("the handler's span is in the request's trace")
            .isEqualTo(server.getTraceId());
        assertThat(publish.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());

        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(process.getAttributes().get(SYSTEM)).isEqualTo("swoole-task");
        assertThat(process.getAttributes().get(OPERATION)).isEqualTo("process");
        assertThat(process.getAttributes().get(DESTINATION)).isEqualTo("thumbnail");
        assertThat(process.getAttributes().get(AttributeKey.stringKey("handler")))
            .isEqualTo("ThumbnailTasks.thumbnail");
        assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(publish.getAttributes().get(SYSTEM)).isEqualTo("swoole-task");
        assertThat(publish.getAttributes().get(OPERATION)).isEqualTo("publish");
        assertThat(publish.getAttributes().get(DESTINATION)).isEqualTo("thumbnail");
    }

    private SpanData serverSpan() {
        List<SpanData> finished = this.spans.getFinishedSpanItems();
        return finished.stream()
            .filter((span) -> span.getKind() == SpanKind.SERVER && span.getName().contains("/tasks/thumbnail"))
            .findFirst()
            .orElse(null);
    }

    private SpanData byName(String name) {
        return this.spans.getFinishedSpanItems().stream()
            .filter((span) -> span.getName().equals(name))
            .findFirst()
            .orElse(null);
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class InMemorySpans {

        @Bean
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }
}
