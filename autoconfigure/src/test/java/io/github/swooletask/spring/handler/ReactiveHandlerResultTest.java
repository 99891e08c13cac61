package io.github.swooletask.spring.handler;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.core.retry.RetryPolicy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskName;

import static io.github.swooletask.support.Frames.decoded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Handlers that return a Reactor {@code Mono}: subscribed to on the worker, whose run lasts until it completed; its
 * value is the result, empty is null, its error the handler's failure (retried, recovered), an interrupt cancels
 * it; a {@code Flux} return type fails at registration.
 */
class ReactiveHandlerResultTest {

    private static final RetryPolicy TWO_RETRIES = RetryPolicy.builder().maxRetries(2).delay(Duration.ZERO).build();

    private final TaskPayloadConverter converter = new DefaultTaskPayloadConverter(JsonMapper.builder().build());

    private final TaskHandlerRegistry registry = new TaskHandlerRegistry();

    private final Handlers handlers = new Handlers();

    private final List<FailedTask> recovered = new CopyOnWriteArrayList<>();

    ReactiveHandlerResultTest() throws NoSuchMethodException {
        for (String name : List.of("later", "empty", "failing", "never")) {
            this.registry.register(new TaskHandlerMethod(this.handlers, Handlers.class.getMethod(name, String.class),
                    name, this.converter));
        }
    }

    private TaskHandlerInvoker invoker() {
        return new TaskHandlerInvoker(this.registry, 1, TWO_RETRIES, (task) -> {
            this.recovered.add(task);
            return "kept";
        }, List.of((handler, nanos, failure) -> this.handlers.runNanos.add(nanos)));
    }

    private static DecodedTask task(String name, String payload) {
        return decoded(OutgoingTask.of(TaskName.of(name), 0, payload.getBytes(StandardCharsets.UTF_8)), 7, 0,
                TaskFlags.NONBLOCK, 0, Map.of());
    }

    @Test
    void theMonosValueIsTheResultOnceItCame() throws Exception {
        assertThat(invoker().process(task("later", "thumb"))).as("the value, not the Mono").isEqualTo("later:thumb");
        assertThat(this.handlers.runNanos).as("the run lasts until the value came, 20 ms later")
            .singleElement().satisfies((nanos) -> assertThat(nanos).isGreaterThanOrEqualTo(20_000_000L));
    }

    @Test
    void anEmptyMonoIsANullResult() throws Exception {
        assertThat(invoker().process(task("empty", "x"))).isNull();
        assertThat(this.handlers.emptySubscribed).as("subscribed to, so its work ran").isTrue();
    }

    @Test
    void anErrorIsTheHandlersFailureRetriedAndRecoveredWithItsOwnException() {
        TaskExecutionException failure = catchThrowableOfType(TaskExecutionException.class,
                () -> invoker().process(task("failing", "x")));
        assertThat(failure.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("mono failure 3");
        assertThat(this.recovered).singleElement().satisfies((task) -> {
            assertThat(task.attempts()).isEqualTo(3);
            assertThat(task.failure()).hasMessage("mono failure 3");
        });
    }

    @Test
    void anInterruptWhileWaitingCancelsTheSubscription() throws Exception {
        TaskHandlerInvoker invoker = invoker();
        invoker.shutdown();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread worker = new Thread(() -> outcome.complete(catchThrowable(() -> invoker.process(task("never", "x")))));
        worker.start();
        await("subscribed").atMost(Duration.ofSeconds(15)).untilTrue(this.handlers.neverSubscribed);
        worker.interrupt();
        assertThat(outcome.get(15, TimeUnit.SECONDS)).isInstanceOf(TaskExecutionException.class)
            .hasCauseInstanceOf(InterruptedException.class);
        await("cancelled").atMost(Duration.ofSeconds(15)).untilTrue(this.handlers.neverCancelled);
    }

    @Test
    void aFluxReturnTypeFailsAtRegistrationSayingWhatToReturn() {
        assertThatIllegalStateException()
            .isThrownBy(() -> new TaskHandlerMethod(this.handlers, Handlers.class.getMethod("many", String.class),
                    "many", this.converter))
            .withMessageContaining("Handlers.many(java.lang.String) returns Flux, a stream of many values, but a"
                    + " task has one result: return a single value (a Mono, collectList() for a list)");
    }

    public static class Handlers {

        final List<Long> runNanos = new CopyOnWriteArrayList<>();

        final AtomicInteger failures = new AtomicInteger();

        final AtomicBoolean emptySubscribed = new AtomicBoolean();

        final AtomicBoolean neverSubscribed = new AtomicBoolean();

        final AtomicBoolean neverCancelled = new AtomicBoolean();

        public Mono<String> later(String payload) {
            return Mono.just("later:" + payload).delayElement(Duration.ofMillis(20));
        }

        public Mono<Void> empty(String payload) {
            return Mono.fromRunnable(() -> this.emptySubscribed.set(true));
        }

        public Mono<String> failing(String payload) {
            return Mono.error(() -> new IllegalStateException("mono failure " + this.failures.incrementAndGet()));
        }

        public Mono<String> never(String payload) {
            return Mono.<String>never().doOnSubscribe((subscription) -> this.neverSubscribed.set(true))
                .doOnCancel(() -> this.neverCancelled.set(true));
        }

        public Flux<String> many(String payload) {
            return Flux.just(payload, payload);
        }
    }
}
