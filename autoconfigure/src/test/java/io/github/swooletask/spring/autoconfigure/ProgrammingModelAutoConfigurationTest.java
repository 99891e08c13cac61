package io.github.swooletask.spring.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.reply.ResultEncoder.EncodedResult;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.DefaultTaskPayloadConverter;
import io.github.swooletask.spring.handler.EncodedPayload;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.handler.TaskPayloadConverter;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.WireFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The programming model in a context, on an in-memory transport: {@link TaskOperations} and the
 * {@link TaskPayloadConverter} back off for the application's own, and {@code @TaskHandler} attributes resolve
 * against the environment.
 */
class ProgrammingModelAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20);
    }


    @Test
    void theTaskTemplateIsTheTaskOperations() {
        runner().withPropertyValues("swoole.task.auto-startup=false").run((context) -> {
            assertThat(context).hasSingleBean(TaskOperations.class).hasSingleBean(TaskTemplate.class);
            assertThat(context.getBean(TaskOperations.class)).isSameAs(context.getBean(TaskTemplate.class));
        });
    }

    @Test
    void taskOperationsOfTheApplicationReplaceTheTemplate() {
        runner().withPropertyValues("swoole.task.auto-startup=false").withUserConfiguration(OwnOperations.class)
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(TaskTemplate.class);
                assertThat(context.getBean(TaskOperations.class)).isInstanceOf(RecordingOperations.class);
            });
    }

    @Test
    void theDefaultConverterIsConfiguredWithTheApplicationsJsonMapper() {
        runner().withPropertyValues("swoole.task.auto-startup=false").run((context) -> {
            assertThat(context).hasSingleBean(TaskPayloadConverter.class);
            assertThat(context.getBean(TaskPayloadConverter.class)).isInstanceOfSatisfying(
                    DefaultTaskPayloadConverter.class,
                    (converter) -> assertThat(converter.jsonMapper()).isSameAs(context.getBean(JsonMapper.class)));
        });
    }

    @Test
    void aConverterOfTheApplicationReplacesTheDefaultAndCarriesEveryTask() {
        runner().withUserConfiguration(ShoutingConversion.class, ShoutHandler.class).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(DefaultTaskPayloadConverter.class);
            assertThat(context.getBean(TaskPayloadConverter.class)).isInstanceOf(ShoutingConverter.class);
            CompletableFuture<Shout> result = context.getBean(TaskOperations.class).call("shout", new Shout("hi"));
            assertThat(result.get(10, TimeUnit.SECONDS)).as("written, then read by the application's converter")
                .isEqualTo(new Shout("HI!"));
            assertThat(context.getBean(ShoutingConverter.class).encoded).isEqualTo(1);
        });
    }

    @Test
    void aHandlerThatReturnsAFutureAnswersACallWithTheFuturesValue() {
        runner().withUserConfiguration(LaterHandler.class).run((context) -> {
            CompletableFuture<Shout> result = context.getBean(TaskOperations.class).call("later", new Shout("hi"));
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(new Shout("hi, later"));
        });
    }

    @Test
    void aHandlerThatReturnsAMonoAnswersACallWithItsValue() {
        runner().withUserConfiguration(MonoHandler.class).run((context) -> {
            CompletableFuture<Shout> result = context.getBean(TaskOperations.class).call("mono", new Shout("hi"));
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(new Shout("hi, from a Mono"));
        });
    }

    @Test
    void handlerAttributesResolveAgainstTheEnvironment() {
        runner().withPropertyValues("swoole.task.auto-startup=false", "thumbs.name=thumbnail",
                "thumbs.workers=2").withUserConfiguration(PlaceholderHandlers.class).run((context) -> {
                    TaskHandlerRegistry registry = context.getBean(TaskHandlerRegistry.class);
                    assertThat(registry.find("thumbnail")).satisfies((handler) -> {
                        assertThat(handler.id()).isEqualTo("thumbnails.thumbnail");
                        assertThat(handler.concurrency()).isEqualTo(2);
                        assertThat(handler.autoStartup()).as("follows swoole.task.auto-startup").isFalse();
                    });
                    assertThat(registry.find("started").autoStartup()).isTrue();
                });
    }

    @Test
    void anUnresolvablePlaceholderFailsTheStartupNamingTheMethod() {
        runner().withPropertyValues("swoole.task.auto-startup=false", "thumbs.name=thumbnail")
            .withUserConfiguration(PlaceholderHandlers.class).run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("thumbs.workers");
                assertThat(context.getStartupFailure()).hasStackTraceContaining("@TaskHandler method public void "
                        + Thumbnails.class.getName() + ".thumbnail(java.lang.String): cannot resolve its concurrency"
                        + " '${thumbs.workers}'");
            });
    }

    @Test
    void twoHandlersWithOneIdFailTheStartup() {
        runner().withPropertyValues("swoole.task.auto-startup=false").withUserConfiguration(SameIds.class)
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("Two @TaskHandler methods have the id 'images'");
            });
    }

    record Shout(String text) {
    }

    @Configuration(proxyBeanMethods = false)
    static class ShoutingConversion {

        @Bean
        ShoutingConverter shoutingConverter() {
            return new ShoutingConverter(new DefaultTaskPayloadConverter(JsonMapper.builder().build()));
        }
    }

    /** Writes a {@link Shout} as its text and reads it back shouted; everything else as the default does. */
    static class ShoutingConverter implements TaskPayloadConverter {

        private final TaskPayloadConverter delegate;

        volatile int encoded;

        ShoutingConverter(TaskPayloadConverter delegate) {
            this.delegate = delegate;
        }

        @Override
        public PayloadReader readerFor(MethodParameter parameter) {
            if (parameter.getParameterType() == Shout.class) {
                return (task) -> new Shout(StandardCharsets.UTF_8.decode(task.readOnlyPayload()).toString()
                    .toUpperCase(Locale.ROOT) + "!");
            }
            return this.delegate.readerFor(parameter);
        }

        @Override
        public EncodedPayload encode(Object payload, WireFormat format) {
            if (payload instanceof Shout shout) {
                this.encoded++;
                return new EncodedPayload(0, shout.text().getBytes(StandardCharsets.UTF_8));
            }
            return this.delegate.encode(payload, format);
        }

        @Override
        public EncodedResult encodeResult(DecodedTask request, @Nullable Object result) {
            return this.delegate.encodeResult(request, result);
        }

        @Override
        public @Nullable Object decodeResult(int flags, byte[] payload) {
            return this.delegate.decodeResult(flags, payload);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ShoutHandler {

        @TaskHandler("shout")
        Shout shout(Shout shout) {
            return shout;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnOperations {

        @Bean
        RecordingOperations recordingOperations() {
            return new RecordingOperations();
        }
    }

    /** Task operations that only count. */
    static class RecordingOperations implements TaskOperations {

        int dispatched;

        @Override
        public int dispatchTo(int workerId, @Nullable String name, Object payload) {
            return ++this.dispatched;
        }

        @Override
        public <T> CompletableFuture<T> call(@Nullable String name, Object payload) {
            return callOn(-1, name, payload, Duration.ZERO);
        }

        @Override
        public <T> CompletableFuture<T> callOn(int workerId, @Nullable String name, Object payload,
                Duration timeout) {
            this.dispatched++;
            return new CompletableFuture<>();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class PlaceholderHandlers {

        @Bean
        Thumbnails thumbnails() {
            return new Thumbnails();
        }
    }

    static class Thumbnails {

        @TaskHandler(name = "${thumbs.name}", concurrency = "${thumbs.workers}")
        public void thumbnail(String image) {
        }

        @TaskHandler(name = "started", autoStartup = "#{'tr' + 'ue'}")
        public void started(String image) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class LaterHandler {

        @TaskHandler("later")
        public CompletableFuture<Shout> later(Shout shout) {
            return CompletableFuture.supplyAsync(() -> new Shout(shout.text() + ", later"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class MonoHandler {

        @TaskHandler("mono")
        public Mono<Shout> later(Shout shout) {
            return Mono.fromSupplier(() -> new Shout(shout.text() + ", from a Mono"))
                .subscribeOn(Schedulers.boundedElastic());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SameIds {

        @TaskHandler(name = "small", id = "images")
        public void small(String image) {
        }

        @TaskHandler(name = "large", id = "images")
        public void large(String image) {
        }
    }
}
