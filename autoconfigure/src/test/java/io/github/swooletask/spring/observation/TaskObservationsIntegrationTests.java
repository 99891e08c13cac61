package io.github.swooletask.spring.observation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.wire.TaskFlags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A dispatch inside an observation carries its propagated fields to a receiver observation around the handler. */
class TaskObservationsIntegrationTests {

    @TempDir
    Path tmp;

    @Test
    void handlerContinuesTheDispatchersTrace() {
        CopyOnWriteArrayList<String> received = new CopyOnWriteArrayList<>();
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new PropagatingSender())
            .observationHandler(new RecordingReceiver(received));
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withBean(ObservationRegistry.class, () -> registry)
            .withBean(Handlers.class, () -> new Handlers(seen, registry))
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.worker-num=1",
                    "swoole.task.tmpdir=" + this.tmp, "swoole.task.dead-letter.enabled=false")
            .run((context) -> {
                assertThat(context).hasSingleBean(TaskObservations.class);
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                Observation.createNotStarted("http.request", registry).observe(() -> tasks.dispatch("inside"));
                tasks.dispatch("outside");
                await("both tasks to run").atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
            });
        assertThat(received).containsExactly("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(seen).containsExactlyInAnyOrder("inside traced=true current=swoole.task.process",
                "outside traced=false current=none");
    }

    @Test
    void offWhenDisabledOrWithoutRegistry() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.tmpdir=" + this.tmp)
            .run((context) -> assertThat(context).doesNotHaveBean(TaskObservations.class));
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withBean(ObservationRegistry.class, ObservationRegistry::create)
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.tmpdir=" + this.tmp,
                    "swoole.task.observation.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(TaskObservations.class));
    }

    static class Handlers {

        private final CopyOnWriteArrayList<String> seen;

        private final ObservationRegistry registry;

        Handlers(CopyOnWriteArrayList<String> seen, ObservationRegistry registry) {
            this.seen = seen;
            this.registry = registry;
        }

        @TaskHandler
        public void handle(String text, TaskContext context) {
            Observation current = this.registry.getCurrentObservation();
            this.seen.add(text + " traced=" + ((context.flags() & TaskFlags.TRACED) != 0) + " current="
                    + ((current != null) ? current.getContext().getName() : "none"));
        }
    }

    /** Stands in for a tracing bridge: writes a W3C traceparent into the carrier when a dispatch starts. */
    static class PropagatingSender implements ObservationHandler<SenderContext<Object>> {

        @Override
        public void onStart(SenderContext<Object> context) {
            context.getSetter().set(context.getCarrier(), "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof SenderContext;
        }
    }

    /** Stands in for a tracing bridge on the receiving side: reads the traceparent from the carrier. */
    static class RecordingReceiver implements ObservationHandler<ReceiverContext<Object>> {

        private final CopyOnWriteArrayList<String> received;

        RecordingReceiver(CopyOnWriteArrayList<String> received) {
            this.received = received;
        }

        @Override
        public void onStart(ReceiverContext<Object> context) {
            this.received.add(context.getGetter().get(context.getCarrier(), "traceparent"));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof ReceiverContext;
        }
    }
}
