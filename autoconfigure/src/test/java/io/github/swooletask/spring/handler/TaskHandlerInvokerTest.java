package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import org.springframework.core.retry.RetryPolicy;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskSource;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.spring.observation.TaskReceiverContext;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskName;

import static io.github.swooletask.support.Frames.decoded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@link TaskHandlerInvoker} without a transport: routing, rejection, retry with its excludes, the recoverer and the
 * listeners, on tasks decoded as a worker decodes them.
 */
class TaskHandlerInvokerTest {

    private static final int LOCAL_TAG = 321;

    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private static final RetryPolicy NO_RETRY = RetryPolicy.withMaxRetries(0);

    private static final RetryPolicy TWO_QUICK_RETRIES = RetryPolicy.builder()
        .maxRetries(2)
        .delay(Duration.ofMillis(1))
        .maxDelay(Duration.ofMillis(1))
        .excludes(IllegalArgumentException.class)
        .build();

    private final TaskPayloadConverter converter = new DefaultTaskPayloadConverter(JsonMapper.builder().build());

    private final TaskHandlerRegistry registry = new TaskHandlerRegistry();

    private final Handlers handlers = new Handlers();

    private final List<FailedTask> recovered = new CopyOnWriteArrayList<>();

    private final TaskRecoverer recoverer = (task) -> {
        this.recovered.add(task);
        return "kept by the test";
    };

    TaskHandlerInvokerTest() throws NoSuchMethodException {
        register("", "onDefault", String.class, TaskContext.class);
        register("mail", "mail", String.class);
        register("flaky", "flaky", String.class);
        register("always", "always", byte[].class);
        register("refuses", "refuses", String.class);
        register("point", "point", Point.class);
        register("later", "later", String.class);
        register("laterFlaky", "laterFlaky", String.class);
        register("never", "never", String.class);
        register("nothing", "nothing", String.class);
    }

    private void register(String route, String name, Class<?>... parameterTypes) throws NoSuchMethodException {
        Method method = Handlers.class.getMethod(name, parameterTypes);
        this.registry.register(new TaskHandlerMethod(this.handlers, method, route, this.converter));
    }

    private TaskHandlerInvoker invoker(RetryPolicy retry, @Nullable TaskRecoverer recoverer,
            TaskExecutionListener... listeners) {
        return new TaskHandlerInvoker(this.registry, LOCAL_TAG, retry, recoverer, List.of(listeners));
    }

    private static DecodedTask task(@Nullable String name, String payload) {
        return task(name, 0, payload);
    }

    private static DecodedTask task(@Nullable String name, int flags, String payload) {
        TaskName taskName = (name != null) ? TaskName.of(name) : null;
        return decoded(OutgoingTask.of(taskName, flags, payload.getBytes(StandardCharsets.UTF_8)), 41, 0,
                TaskFlags.NONBLOCK, 0, Map.of());
    }

    @Test
    void aNamedTaskRunsItsHandlerAndAnUnnamedOneTheDefault() throws Exception {
        TaskHandlerInvoker invoker = invoker(NO_RETRY, null);
        assertThat(invoker.process(task("mail", "to bob"))).isEqualTo("mailed to bob");
        assertThat(invoker.process(task(null, "plain"))).isEqualTo("default plain");
        assertThat(this.handlers.calls).containsExactly("mail:to bob", "default:plain");
    }

    @Test
    void aTaskNoHandlerTakesIsRejected() {
        TaskHandlerInvoker invoker = invoker(NO_RETRY, this.recoverer);
        FrameRejectedException unknown = catchThrowableOfType(FrameRejectedException.class,
                () -> invoker.process(task("nobody", "x")));
        assertThat(unknown.reason()).isEqualTo(RejectReason.NO_HANDLER);
        assertThat(unknown).hasMessageContaining("no @TaskHandler takes the task name 'nobody'");

        TaskHandlerRegistry withoutDefault = new TaskHandlerRegistry();
        TaskHandlerInvoker noDefault = new TaskHandlerInvoker(withoutDefault, LOCAL_TAG, NO_RETRY, this.recoverer,
                List.of());
        FrameRejectedException unnamed = catchThrowableOfType(FrameRejectedException.class,
                () -> noDefault.process(task(null, "x")));
        assertThat(unnamed.reason()).isEqualTo(RejectReason.NO_HANDLER);
        assertThat(unnamed).hasMessageContaining("no default @TaskHandler");
        assertThat(this.recovered).as("a rejected task is no failed task").isEmpty();
    }

    @Test
    void theContextTellsTheTasksFactsAndWhoSentIt() throws Exception {
        TaskHandlerInvoker invoker = invoker(NO_RETRY, null);
        DecodedTask local = decoded(OutgoingTask.of(0, "from here".getBytes(StandardCharsets.UTF_8)), 7, LOCAL_TAG,
                TaskFlags.REPLY, 2, Map.of("mtype", 4L));
        invoker.process(local);
        invoker.process(task(null, "from php"));
        assertThat(this.handlers.contexts).hasSize(2);
        TaskContext first = this.handlers.contexts.get(0);
        assertThat(first.taskId()).isEqualTo(7);
        assertThat(first.workerId()).isEqualTo(2);
        assertThat(first.flags()).isEqualTo(TaskFlags.REPLY);
        assertThat(first.route()).isNull();
        assertThat(first.source()).isEqualTo(TaskSource.LOCAL);
        assertThat(first.delivery()).containsExactly(Map.entry("mtype", 4L));
        assertThat(first.spilled()).isFalse();
        TaskContext second = this.handlers.contexts.get(1);
        assertThat(second.source()).isEqualTo(TaskSource.EXTERNAL);
        assertThat(second.delivery()).isEmpty();
    }

    @Test
    void aHandlerFailingTwiceThenSucceedingRunsThreeTimes() throws Exception {
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer);
        assertThat(invoker.process(task("flaky", "hello"))).isEqualTo("ok:hello");
        assertThat(this.handlers.flakyCalls.get()).isEqualTo(3);
        assertThat(this.recovered).isEmpty();
    }

    @Test
    void aHandlerFailingEveryAttemptGoesToTheRecovererOnce() {
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer);
        TaskExecutionException failure = catchThrowableOfType(TaskExecutionException.class,
                () -> invoker.process(task("always", "payload-1")));
        assertThat(this.handlers.alwaysCalls.get()).as("first attempt and two retries").isEqualTo(3);
        assertThat(failure.handler()).isEqualTo("Handlers.always");
        assertThat(failure.taskId()).isEqualTo(41);
        assertThat(failure).hasMessageContaining("kept by the test").hasRootCauseMessage("always broken on attempt 3");
        assertThat(this.recovered).singleElement().satisfies((task) -> {
            assertThat(task.taskId()).isEqualTo(41);
            assertThat(task.route()).isEqualTo("always");
            assertThat(task.handler()).isEqualTo("Handlers.always");
            assertThat(task.attempts()).isEqualTo(3);
            assertThat(task.payload()).isEqualTo("payload-1".getBytes(StandardCharsets.UTF_8));
            assertThat(task.failure()).hasMessage("always broken on attempt 3");
        });
    }

    @Test
    void anExcludedExceptionIsNotRetried() {
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer);
        catchThrowableOfType(TaskExecutionException.class, () -> invoker.process(task("refuses", "bad input")));
        assertThat(this.handlers.refusals.get()).isEqualTo(1);
        assertThat(this.recovered).singleElement().satisfies((task) -> assertThat(task.attempts()).isEqualTo(1));
    }

    @Test
    void noRetryOnceShutDown() {
        RetryPolicy slow = RetryPolicy.builder().maxRetries(3).delay(Duration.ofSeconds(30)).build();
        TaskHandlerInvoker invoker = invoker(slow, this.recoverer);
        invoker.shutdown();
        catchThrowableOfType(TaskExecutionException.class, () -> invoker.process(task("always", "x")));
        assertThat(this.handlers.alwaysCalls.get()).isEqualTo(1);
        assertThat(this.recovered).singleElement().satisfies((task) -> assertThat(task.attempts()).isEqualTo(1));
    }

    @Test
    void aShutdownEndsAWaitForARetry() throws Exception {
        RetryPolicy slow = RetryPolicy.builder().maxRetries(3).delay(Duration.ofMinutes(10)).build();
        TaskHandlerInvoker invoker = invoker(slow, this.recoverer);
        CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(
                () -> catchThrowable(() -> invoker.process(task("always", "x"))));
        await("the first run").atMost(DEADLINE).until(() -> this.handlers.alwaysCalls.get() == 1);
        invoker.shutdown();
        assertThat(outcome.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(TaskExecutionException.class);
        assertThat(this.handlers.alwaysCalls.get()).as("no retry after the shutdown").isEqualTo(1);
        assertThat(this.recovered).singleElement().satisfies((task) -> assertThat(task.attempts()).isEqualTo(1));
    }

    @Test
    void aPolicyWithIncludesRetriesOnlyThose() {
        RetryPolicy onlyState = RetryPolicy.builder()
            .maxRetries(5)
            .delay(Duration.ofMillis(1))
            .includes(UnsupportedOperationException.class)
            .build();
        TaskHandlerInvoker invoker = invoker(onlyState, this.recoverer);
        catchThrowableOfType(TaskExecutionException.class, () -> invoker.process(task("always", "x")));
        assertThat(this.handlers.alwaysCalls.get()).as("IllegalStateException is not included").isEqualTo(1);
    }

    @Test
    void listenersHearEveryRunOfARetriedTask() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        TaskExecutionListener recording = (handler, nanos, failure) -> heard.add(
                (failure != null) ? failure.getMessage() : "ok");
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer, recording);
        assertThat(invoker.process(task("flaky", "hello"))).isEqualTo("ok:hello");
        assertThat(heard).containsExactly("flaky failure 1", "flaky failure 2", "ok");
    }

    @Test
    void withObservationsEachRunIsAnObservationOfItsOwn() throws Exception {
        List<TaskReceiverContext> runs = new CopyOnWriteArrayList<>();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new ObservationHandler<TaskReceiverContext>() {

            @Override
            public void onStop(TaskReceiverContext context) {
                runs.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof TaskReceiverContext;
            }
        });
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer);
        invoker.setObservations(new TaskObservations(observations));
        assertThat(invoker.process(task("flaky", "hello"))).isEqualTo("ok:hello");
        assertThat(runs).extracting(TaskReceiverContext::getAttempt).containsExactly(1L, 2L, 3L);
        assertThat(runs).extracting((run) -> run.getLowCardinalityKeyValue("result").getValue())
            .containsExactly("failure", "failure", "success");
        assertThat(runs).allSatisfy((run) -> {
            assertThat(run.getName()).isEqualTo("swoole.task.execution");
            assertThat(run.getTaskId()).isEqualTo(41);
            assertThat(run.getDestination()).isEqualTo("flaky");
            assertThat(run.getCarrier()).as("the task carried no trace fields").isEmpty();
        });
    }

    @Test
    void aPayloadThatCannotBeConvertedIsRejectedWithoutRetryOrRecoverer() {
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer);
        FrameRejectedException rejected = catchThrowableOfType(FrameRejectedException.class,
                () -> invoker.process(task("point", TaskFlags.JSON, "not json at all")));
        assertThat(rejected.reason()).isEqualTo(RejectReason.BAD_PAYLOAD);
        assertThat(this.handlers.calls).isEmpty();
        assertThat(this.recovered).isEmpty();
    }

    @Test
    void aConverterThatBreaksFailsTheRunWhichIsRetriedAndRecovered() throws NoSuchMethodException {
        TaskPayloadConverter broken = new DefaultTaskPayloadConverter(JsonMapper.builder().build()) {
            @Override
            public PayloadReader readerFor(MethodParameter parameter) {
                return (task) -> {
                    throw new IllegalStateException("the converter is broken");
                };
            }
        };
        TaskHandlerRegistry registry = new TaskHandlerRegistry();
        registry.register(new TaskHandlerMethod(this.handlers, Handlers.class.getMethod("mail", String.class), "mail",
                broken));
        TaskHandlerInvoker invoker = new TaskHandlerInvoker(registry, LOCAL_TAG, TWO_QUICK_RETRIES, this.recoverer,
                List.of());
        TaskExecutionException failure = catchThrowableOfType(TaskExecutionException.class,
                () -> invoker.process(task("mail", "x")));
        assertThat(failure).hasRootCauseMessage("the converter is broken");
        assertThat(this.recovered).as("kept, not lost").singleElement()
            .satisfies((task) -> assertThat(task.attempts()).isEqualTo(3));
        assertThat(this.handlers.calls).isEmpty();
    }

    @Test
    void aFailingRecovererIsReportedWithTheTasksFailure() {
        TaskHandlerInvoker invoker = invoker(NO_RETRY, (task) -> {
            throw new IllegalStateException("disk full");
        });
        TaskExecutionException failure = catchThrowableOfType(TaskExecutionException.class,
                () -> invoker.process(task("always", "x")));
        assertThat(failure).hasMessageContaining("the recoverer failed too");
        assertThat(failure.getCause()).hasMessage("always broken on attempt 1");
        assertThat(failure.getCause().getSuppressed()).singleElement().satisfies((suppressed) -> assertThat(suppressed)
            .hasMessage("disk full"));
    }

    @Test
    void failingListenersDoNotChangeTheOutcome() throws Exception {
        List<String> heard = new ArrayList<>();
        TaskExecutionListener broken = (handler, nanos, failure) -> {
            throw new IllegalStateException("listener broke");
        };
        TaskExecutionListener recording = (handler, nanos, failure) -> heard.add(handler.displayName() + ":"
                + ((failure != null) ? failure.getMessage() : "ok") + ":" + (nanos >= 0));
        TaskHandlerInvoker invoker = invoker(NO_RETRY, this.recoverer, broken, recording);

        assertThat(invoker.process(task("mail", "to ann"))).isEqualTo("mailed to ann");
        TaskExecutionException failure = catchThrowableOfType(TaskExecutionException.class,
                () -> invoker.process(task("always", "x")));
        assertThat(failure).hasRootCauseMessage("always broken on attempt 1");
        assertThat(heard).containsExactly("Handlers.mail:ok:true", "Handlers.always:always broken on attempt 1:true");
        assertThat(this.recovered).hasSize(1);
    }

    @Test
    void aHandlerThatCompletesLaterGivesItsValueOnceItCompleted() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        TaskHandlerInvoker invoker = invoker(NO_RETRY, null,
                (handler, nanos, failure) -> heard.add(handler.displayName() + ":" + (nanos >= 20_000_000L)));
        assertThat(invoker.process(task("later", "thumb"))).as("the value, not the future").isEqualTo("later:thumb");
        assertThat(heard).as("the run lasts until the future completed (20 ms later)")
            .containsExactly("Handlers.later:true");
        assertThat(invoker.process(task("nothing", "x"))).as("a null future is a null result").isNull();
    }

    @Test
    void aFutureThatFailsIsTheHandlersFailureRetriedAndRecoveredWithItsOwnException() throws Exception {
        TaskHandlerInvoker invoker = invoker(TWO_QUICK_RETRIES, this.recoverer);
        assertThat(invoker.process(task("laterFlaky", "x"))).isEqualTo("ok later:x");
        assertThat(this.handlers.laterFlakyCalls.get()).as("two failed futures, then one that succeeded").isEqualTo(3);

        this.handlers.laterFlakyCalls.set(-10);
        TaskExecutionException failure = catchThrowableOfType(TaskExecutionException.class,
                () -> invoker.process(task("laterFlaky", "y")));
        assertThat(failure.getCause()).as("unwrapped from the ExecutionException")
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("later failure ");
        assertThat(this.recovered).singleElement().satisfies((task) -> {
            assertThat(task.attempts()).isEqualTo(3);
            assertThat(task.failure()).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void anInterruptWhileWaitingForTheFutureCancelsIt() throws Exception {
        TaskHandlerInvoker invoker = invoker(NO_RETRY, this.recoverer);
        invoker.shutdown();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread worker = new Thread(() -> outcome.complete(catchThrowable(() -> invoker.process(task("never", "x")))));
        worker.start();
        await("the handler returned its future").atMost(DEADLINE).until(() -> this.handlers.pending.get() != null);
        worker.interrupt();
        assertThat(outcome.get(15, TimeUnit.SECONDS)).isInstanceOf(TaskExecutionException.class)
            .hasCauseInstanceOf(InterruptedException.class);
        assertThat(this.handlers.pending.get()).isCancelled();
        assertThat(this.recovered).singleElement()
            .satisfies((task) -> assertThat(task.failure()).isInstanceOf(InterruptedException.class));
    }

    record Point(int x, int y) {
    }

    public static class Handlers {

        final List<String> calls = new CopyOnWriteArrayList<>();

        final List<TaskContext> contexts = new CopyOnWriteArrayList<>();

        final AtomicInteger flakyCalls = new AtomicInteger();

        final AtomicInteger alwaysCalls = new AtomicInteger();

        final AtomicInteger refusals = new AtomicInteger();

        public String onDefault(String text, TaskContext context) {
            this.calls.add("default:" + text);
            this.contexts.add(context);
            return "default " + text;
        }

        public String mail(String to) {
            this.calls.add("mail:" + to);
            return "mailed " + to;
        }

        public String flaky(String text) {
            if (this.flakyCalls.incrementAndGet() <= 2) {
                throw new IllegalStateException("flaky failure " + this.flakyCalls.get());
            }
            return "ok:" + text;
        }

        public void always(byte[] payload) {
            throw new IllegalStateException("always broken on attempt " + this.alwaysCalls.incrementAndGet());
        }

        public void refuses(String text) {
            this.refusals.incrementAndGet();
            throw new IllegalArgumentException("refused: " + text);
        }

        public void point(Point point) {
            this.calls.add("point:" + point);
        }

        final AtomicInteger laterFlakyCalls = new AtomicInteger();

        final AtomicReference<@Nullable CompletableFuture<String>> pending = new AtomicReference<>();

        public CompletableFuture<String> later(String text) {
            return CompletableFuture.supplyAsync(() -> "later:" + text,
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        }

        public CompletionStage<String> laterFlaky(String text) {
            int call = this.laterFlakyCalls.incrementAndGet();
            return CompletableFuture.supplyAsync(() -> {
                if (call <= 2) {
                    throw new IllegalStateException("later failure " + call);
                }
                return "ok later:" + text;
            });
        }

        public CompletableFuture<String> never(String text) {
            CompletableFuture<String> future = new CompletableFuture<>();
            this.pending.set(future);
            return future;
        }

        public @Nullable CompletableFuture<String> nothing(String text) {
            return null;
        }
    }
}
