package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.annotation.ReflectiveRuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.resilience.retry.MethodRetryPredicate;
import reactor.core.publisher.Mono;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHeaders;
import io.github.swooletask.wire.WireFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** Ahead-of-time hints of {@code @TaskHandler} methods, as Spring's AOT processing registers them. */
class TaskHandlerReflectiveProcessorTest {

    @Test
    void theMethodIsInvokableAndItsPayloadAndResultTypesCanBeBound() throws Exception {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, Handlers.class);
        assertThat(RuntimeHintsPredicates.reflection()
            .onMethodInvocation(Handlers.class.getDeclaredMethod("resize", Request.class, TaskContext.class)))
            .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Request.class)
            .withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Size.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Result.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(TaskContext.class)).rejects(hints);
    }

    @Test
    void aHandlerThatCompletesLaterHasItsValueTypeBoundNotTheFuture() throws Exception {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, LaterHandlers.class);
        assertThat(RuntimeHintsPredicates.reflection()
            .onMethodInvocation(LaterHandlers.class.getDeclaredMethod("resize", Request.class))).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Later.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(CompletableFuture.class)).rejects(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(MonoValue.class)).as("the value of a Mono").accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Mono.class)).rejects(hints);
    }

    @Test
    void aBatchHandlersAndAMessageHandlersPayloadsAreBoundAsTheirElementType() throws Exception {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, BatchAndMessageHandlers.class);
        assertThat(RuntimeHintsPredicates.reflection().onType(Request.class)
            .withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Result.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Later.class)).as("a Message's payload").accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(TaskContext.class)).as("List<TaskContext>")
            .rejects(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Message.class)).rejects(hints);
    }

    @Test
    void headerParametersAreNotBound() {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, HeaderHandlers.class);
        assertThat(RuntimeHintsPredicates.reflection().onType(Request.class)).as("the @Payload").accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(WireFormat.class)).as("a @Header").rejects(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(MessageHeaders.class)).as("@Headers").rejects(hints);
    }

    static class HeaderHandlers {

        @TaskHandler("headers")
        public void headers(@Payload Request request, @Header(TaskHeaders.FORMAT) WireFormat format,
                @Headers MessageHeaders headers) {
        }
    }

    static class BatchAndMessageHandlers {

        @TaskHandler(name = "batch", batchSize = "10")
        public List<Result> batch(List<Request> requests, List<TaskContext> contexts) {
            return List.of();
        }

        @TaskHandler("message")
        public void message(Message<Later> message) {
        }
    }

    @Test
    void theRetryPredicateOfARetryableHandlerCanBeCreated() throws Exception {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, RetriedHandlers.class);
        assertThat(RuntimeHintsPredicates.reflection().onType(Transient.class)
            .withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(hints);
    }

    @Test
    void theMethodThatRunsFunctionHandlersIsRegisteredThroughAotFactories() {
        RuntimeHints hints = new RuntimeHints();
        SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
            .load(RuntimeHintsRegistrar.class)
            .forEach((registrar) -> registrar.registerHints(hints, getClass().getClassLoader()));
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(FunctionHandler.HANDLE)).accepts(hints);
    }

    static class Transient implements MethodRetryPredicate {

        @Override
        public boolean shouldRetry(Method method, Throwable failure) {
            return true;
        }
    }

    @Retryable(predicate = Transient.class)
    static class RetriedHandlers {

        @TaskHandler("retried")
        void run(String payload) {
        }
    }

    record Size(int width, int height) {
    }

    record Request(String path, List<Size> sizes) {
    }

    record Result(String path) {
    }

    record Later(String path) {
    }

    record MonoValue(String path) {
    }

    static class LaterHandlers {

        @TaskHandler("mono")
        Mono<MonoValue> size(String payload) {
            return Mono.just(new MonoValue(payload));
        }

        @TaskHandler("later")
        CompletableFuture<Later> resize(Request request) {
            return CompletableFuture.completedFuture(new Later(request.path()));
        }
    }

    static class Handlers {

        @TaskHandler("resize")
        Result resize(Request request, TaskContext context) {
            return new Result(request.path());
        }
    }
}
