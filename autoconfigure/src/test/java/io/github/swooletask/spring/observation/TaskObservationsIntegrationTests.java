package io.github.swooletask.spring.observation;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.wire.TaskFlags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * When observation is on and what it records, on real System V queues with a registry whose handlers stand in for a
 * tracing bridge: off by default and without a registry, every dispatch and run observed once on, propagated fields
 * carried in the frame, and conventions replaced by beans.
 */
class TaskObservationsIntegrationTests {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @TempDir
    Path root;

    private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

    private final List<String> received = new CopyOnWriteArrayList<>();

    private ApplicationContextRunner runner(ObservationRegistry registry) {
        return SwooleTaskTestSupport.runner(this.root)
            .withBean(ObservationRegistry.class, () -> registry)
            .withBean(Handlers.class, () -> new Handlers(registry))
            .withPropertyValues("swoole.task.retry.max-retries=0");
    }

    private ObservationRegistry recordingRegistry() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig()
            .observationHandler(new PropagatingSender())
            .observationHandler(new RecordingReceiver(this.received))
            .observationHandler(new Recording(this.stopped));
        return registry;
    }

    @Test
    void offByDefault() {
        ObservationRegistry registry = recordingRegistry();
        runner(registry).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(TaskObservations.class);
            Handlers handlers = context.getBean(Handlers.class);
            Observation.createNotStarted("http.request", registry)
                .observe(() -> context.getBean(TaskTemplate.class).dispatch("inside a request"));
            await("the task to run").atMost(SwooleTaskTestSupport.DEADLINE).until(() -> handlers.seen.size() == 1);
            assertThat(handlers.seen).containsExactly("inside a request traced=false current=none");
        });
        assertThat(this.stopped).extracting(Observation.Context::getName).containsExactly("http.request");
    }

    @Test
    void offWithoutARegistryEvenWhenEnabled() {
        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues("swoole.task.observation.enabled=true")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(TaskObservations.class)
                .hasSingleBean(TaskHandlerInvoker.class));
    }

    @Test
    void onEveryDispatchAndEveryRunIsObservedAndTheFieldsTravel() {
        ObservationRegistry registry = recordingRegistry();
        runner(registry).withPropertyValues("swoole.task.observation.enabled=true").run((context) -> {
            assertThat(context).hasNotFailed().hasSingleBean(TaskObservations.class);
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            Handlers handlers = context.getBean(Handlers.class);
            Observation.createNotStarted("http.request", registry).observe(() -> tasks.dispatch("inside"));
            tasks.call("named", "outside").get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
            await("both tasks to run").atMost(SwooleTaskTestSupport.DEADLINE).until(() -> handlers.seen.size() == 2);
            assertThat(handlers.seen).containsExactlyInAnyOrder("inside traced=true current=swoole.task.execution",
                    "outside traced=true current=swoole.task.execution");
            await("the runs' observations to stop").atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> this.stopped.size() == 5);
        });
        assertThat(this.received).containsExactly(TRACEPARENT, TRACEPARENT);
        assertThat(this.stopped).extracting(Observation.Context::getName).containsExactlyInAnyOrder("http.request",
                "swoole.task.dispatch", "swoole.task.dispatch", "swoole.task.execution", "swoole.task.execution");
        Observation.Context run = this.stopped.stream()
            .filter((context) -> context instanceof TaskReceiverContext receiver && receiver.getTaskName() != null)
            .findFirst()
            .orElseThrow();
        assertThat(run.getContextualName()).isEqualTo("process named");
        assertThat(run.getLowCardinalityKeyValues()).extracting(KeyValue::getKey, KeyValue::getValue).contains(
                tuple("messaging.system", "swoole-task"), tuple("messaging.operation", "process"),
                tuple("messaging.destination.name", "named"), tuple("handler", "Handlers.named"),
                tuple("result", "success"), tuple("exception", "none"));
        TaskReceiverContext receiver = (TaskReceiverContext) run;
        assertThat(run.getHighCardinalityKeyValues()).extracting(KeyValue::getKey, KeyValue::getValue).contains(
                tuple("messaging.message.id", Integer.toString(receiver.getTaskId())),
                tuple("swoole.task.attempt", "1"),
                tuple("swoole.task.worker", Integer.toString(receiver.getWorkerId())));
        assertThat(receiver.getWorkerId()).isBetween(0, 1);
    }

    @Test
    void conventionBeansReplaceTheDefaults() {
        ObservationRegistry registry = recordingRegistry();
        runner(registry).withPropertyValues("swoole.task.observation.enabled=true")
            .withBean(TaskDispatchObservationConvention.class, CustomDispatch::new)
            .withBean(TaskProcessObservationConvention.class, CustomProcess::new)
            .run((context) -> {
                context.getBean(TaskTemplate.class).call("named", "x")
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                await("the run's observation to stop").atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> this.stopped.size() == 2);
            });
        assertThat(this.stopped).extracting(Observation.Context::getName)
            .containsExactlyInAnyOrder("custom.dispatch", "custom.process");
        assertThat(this.stopped).allSatisfy((context) -> assertThat(context.getLowCardinalityKeyValue("team"))
            .isEqualTo(KeyValue.of("team", "billing")));
    }

    /** A default-like dispatch convention with its own name and one more key. */
    static class CustomDispatch extends DefaultTaskDispatchObservationConvention {

        @Override
        public String getName() {
            return "custom.dispatch";
        }

        @Override
        public KeyValues getLowCardinalityKeyValues(TaskSenderContext context) {
            return super.getLowCardinalityKeyValues(context).and("team", "billing");
        }
    }

    /** A default-like process convention with its own name and one more key. */
    static class CustomProcess extends DefaultTaskProcessObservationConvention {

        @Override
        public String getName() {
            return "custom.process";
        }

        @Override
        public KeyValues getLowCardinalityKeyValues(TaskReceiverContext context) {
            return super.getLowCardinalityKeyValues(context).and("team", "billing");
        }
    }

    static class Handlers {

        final List<String> seen = new CopyOnWriteArrayList<>();

        private final ObservationRegistry registry;

        Handlers(ObservationRegistry registry) {
            this.registry = registry;
        }

        @TaskHandler
        public void handle(String text, TaskContext context) {
            note(text, context);
        }

        @TaskHandler("named")
        public String named(String text, TaskContext context) {
            note(text, context);
            return text;
        }

        private void note(String text, TaskContext context) {
            Observation current = this.registry.getCurrentObservation();
            this.seen.add(text + " traced=" + ((context.flags() & TaskFlags.TRACED) != 0) + " current="
                    + ((current != null) ? current.getContext().getName() : "none"));
        }
    }

    /** Stands in for a tracing bridge: writes a W3C traceparent into the carrier when a dispatch starts. */
    static class PropagatingSender implements ObservationHandler<SenderContext<Object>> {

        @Override
        public void onStart(SenderContext<Object> context) {
            context.getSetter().set(context.getCarrier(), "traceparent", TRACEPARENT);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof SenderContext;
        }
    }

    /** Stands in for a tracing bridge on the receiving side: reads the traceparent from the carrier. */
    static class RecordingReceiver implements ObservationHandler<ReceiverContext<Object>> {

        private final List<String> received;

        RecordingReceiver(List<String> received) {
            this.received = received;
        }

        @Override
        public void onStart(ReceiverContext<Object> context) {
            this.received.add(String.valueOf(context.getGetter().get(context.getCarrier(), "traceparent")));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof ReceiverContext;
        }
    }

    /** Keeps every stopped observation's context. */
    static class Recording implements ObservationHandler<Observation.Context> {

        private final List<Observation.Context> stopped;

        Recording(List<Observation.Context> stopped) {
            this.stopped = stopped;
        }

        @Override
        public void onStop(Observation.Context context) {
            this.stopped.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }
}
