package io.github.swooletask.spring.observation;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.messaging.handler.annotation.SendTo;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Observation with a real tracing bridge (Boot's OpenTelemetry tracing, spans kept by an in-memory exporter) across a
 * real System V queue: the handler's span is a child of the dispatch span, which is a child of the span current at
 * the dispatch, all in one trace and with the messaging keys; a dispatch outside any trace and a task posted by
 * another program get spans too, and so does a result sent on ({@code @SendTo}), in the trace of the run that made
 * it, a batch handler's run included.
 */
class TaskObservationsTracingIntegrationTests {

    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");

    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation");

    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");

    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    @TempDir
    Path root;

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.runner(this.root)
            .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
                    OpenTelemetrySdkAutoConfiguration.class, OpenTelemetryTracingAutoConfiguration.class,
                    MicrometerTracingAutoConfiguration.class))
            .withBean(InMemorySpanExporter.class, () -> this.exporter)
            .withBean(Handlers.class)
            .withPropertyValues("swoole.task.observation.enabled=true", "swoole.task.retry.max-retries=0",
                    "management.tracing.sampling.probability=1.0",
                    "management.opentelemetry.tracing.export.schedule-delay=50ms");
    }

    @Test
    void theHandlersSpanIsAChildOfTheDispatchInTheRequestsTrace() {
        runner().run((context) -> {
            assertThat(context).hasNotFailed().hasSingleBean(TaskObservations.class);
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            Handlers handlers = context.getBean(Handlers.class);
            int taskId = Observation.createNotStarted("test.request", registry)
                .observe(() -> tasks.dispatch("traced", "hello"));
            await("the handler").atMost(SwooleTaskTestSupport.DEADLINE).until(() -> handlers.seen.containsKey("hello"));
            List<SpanData> spans = spans(3);
            SpanData request = named(spans, "test.request");
            SpanData publish = named(spans, "publish traced");
            SpanData process = named(spans, "process traced");

            assertThat(publish.getTraceId()).isEqualTo(request.getTraceId());
            assertThat(process.getTraceId()).isEqualTo(request.getTraceId());
            assertThat(publish.getParentSpanId()).isEqualTo(request.getSpanId());
            assertThat(process.getParentSpanId()).as("the handler's span continues the dispatch span")
                .isEqualTo(publish.getSpanId());
            assertThat(handlers.seen.get("hello")).as("the handler runs inside its span")
                .isEqualTo(process.getTraceId() + "/" + process.getSpanId());

            assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(publish.getAttributes().get(SYSTEM)).isEqualTo("swoole-task");
            assertThat(publish.getAttributes().get(OPERATION)).isEqualTo("publish");
            assertThat(publish.getAttributes().get(DESTINATION)).isEqualTo("traced");
            assertThat(publish.getAttributes().get(MESSAGE_ID)).isEqualTo(Integer.toString(taskId));

            assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(process.getAttributes().get(SYSTEM)).isEqualTo("swoole-task");
            assertThat(process.getAttributes().get(OPERATION)).isEqualTo("process");
            assertThat(process.getAttributes().get(DESTINATION)).isEqualTo("traced");
            assertThat(process.getAttributes().get(MESSAGE_ID)).isEqualTo(Integer.toString(taskId));
            assertThat(process.getAttributes().get(AttributeKey.stringKey("handler"))).isEqualTo("Handlers.traced");
            assertThat(process.getAttributes().get(AttributeKey.stringKey("result"))).isEqualTo("success");
            assertThat(process.getAttributes().get(AttributeKey.stringKey("swoole.task.attempt"))).isEqualTo("1");
        });
    }

    @Test
    void aResultSentOnWithSendToStaysInTheTraceAsAChildOfTheRunThatMadeIt() {
        runner().run((context) -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            Handlers handlers = context.getBean(Handlers.class);
            Observation.createNotStarted("test.request", registry).observe(() -> tasks.dispatch("forwarding", "hop"));
            await("the next handler").atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> handlers.seen.containsKey("hop again"));
            List<SpanData> spans = spans(5);
            SpanData request = named(spans, "test.request");
            SpanData first = named(spans, "process forwarding");
            SpanData publish = named(spans, "publish traced");
            SpanData next = named(spans, "process traced");
            assertThat(List.of(first, publish, next)).extracting(SpanData::getTraceId)
                .containsOnly(request.getTraceId());
            assertThat(publish.getParentSpanId()).as("sent during the run that made the result")
                .isEqualTo(first.getSpanId());
            assertThat(next.getParentSpanId()).isEqualTo(publish.getSpanId());
            assertThat(handlers.seen.get("hop again")).isEqualTo(next.getTraceId() + "/" + next.getSpanId());
        });
    }

    @Test
    void aBatchRunIsOneSpanInItsFirstTasksTraceAndItsResultsGoOnFromIt() {
        runner().run((context) -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            Handlers handlers = context.getBean(Handlers.class);
            Observation.createNotStarted("test.request", registry).observe(() -> tasks.dispatch("batched", "one"));
            await("the next handler").atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> handlers.seen.containsKey("ONE"));
            List<SpanData> spans = spans(5);
            SpanData request = named(spans, "test.request");
            SpanData batch = named(spans, "process batched");
            SpanData publish = named(spans, "publish traced");
            SpanData next = named(spans, "process traced");
            assertThat(List.of(batch, publish, next)).extracting(SpanData::getTraceId)
                .containsOnly(request.getTraceId());
            assertThat(batch.getParentSpanId()).isEqualTo(named(spans, "publish batched").getSpanId());
            assertThat(publish.getParentSpanId()).as("sent on within the batch's run").isEqualTo(batch.getSpanId());
            assertThat(next.getParentSpanId()).isEqualTo(publish.getSpanId());
        });
    }

    @Test
    void aDispatchOutsideAnyTraceStartsOneAndAFailedRunIsAnErrorSpan() {
        runner().run((context) -> {
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            tasks.call("failing", "no trace here").handle((result, failure) -> null)
                .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
            List<SpanData> spans = spans(2);
            SpanData publish = named(spans, "publish failing");
            SpanData process = named(spans, "process failing");
            assertThat(publish.getParentSpanContext().isValid()).as("the dispatch starts the trace").isFalse();
            assertThat(process.getTraceId()).isEqualTo(publish.getTraceId());
            assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
            assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(process.getAttributes().get(AttributeKey.stringKey("result"))).isEqualTo("failure");
            assertThat(process.getAttributes().get(AttributeKey.stringKey("exception")))
                .isEqualTo("IllegalStateException");
        });
    }

    @Test
    void aTaskFromAnotherProgramIsProcessedInATraceOfItsOwn() {
        runner().run((context) -> {
            Handlers handlers = context.getBean(Handlers.class);
            // a PHP-style frame: no name (the default handler), no trace context
            RawFrames.send(SwooleTaskTestSupport.queue(context), 2, RawFrames.task(77, "from php"));
            await("the default handler").atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> handlers.seen.containsKey("from php"));
            SpanData process = named(spans(1), "process default");
            assertThat(process.getParentSpanContext().isValid()).isFalse();
            assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(process.getAttributes().get(DESTINATION)).isEqualTo("default");
            assertThat(process.getAttributes().get(MESSAGE_ID)).isEqualTo("77");
            assertThat(handlers.seen.get("from php")).isEqualTo(process.getTraceId() + "/" + process.getSpanId());
        });
    }

    private List<SpanData> spans(int count) {
        await("the spans to be exported").atMost(SwooleTaskTestSupport.DEADLINE)
            .until(() -> this.exporter.getFinishedSpanItems().size() >= count);
        return this.exporter.getFinishedSpanItems();
    }

    private static SpanData named(List<SpanData> spans, String name) {
        return spans.stream().filter((span) -> span.getName().equals(name)).reduce((first, second) -> {
            throw new AssertionError("two spans named " + name + ": " + spans);
        }).orElseThrow(() -> new AssertionError("no span named " + name + " in " + spans));
    }

    /** Handlers that note the span current while they run: trace id / span id, by payload. */
    static class Handlers {

        final Map<String, String> seen = new ConcurrentHashMap<>();

        private final ObjectProvider<Tracer> tracer;

        Handlers(ApplicationContext context) {
            this.tracer = context.getBeanProvider(Tracer.class);
        }

        @TaskHandler("traced")
        public void traced(String payload) {
            note(payload);
        }

        @TaskHandler("forwarding")
        @SendTo("traced")
        public String forwarding(String payload) {
            return payload + " again";
        }

        @TaskHandler(name = "batched", batchSize = "10")
        @SendTo("traced")
        public List<String> batched(List<String> payloads) {
            return payloads.stream().map(String::toUpperCase).toList();
        }

        @TaskHandler("failing")
        public void failing(String payload) {
            note(payload);
            throw new IllegalStateException("failing on purpose");
        }

        @TaskHandler
        public void fromOutside(String payload, TaskContext context) {
            note(payload);
        }

        private void note(String payload) {
            Span span = this.tracer.getObject().currentSpan();
            this.seen.put(payload, (span != null) ? span.context().traceId() + "/" + span.context().spanId() : "none");
        }
    }
}
