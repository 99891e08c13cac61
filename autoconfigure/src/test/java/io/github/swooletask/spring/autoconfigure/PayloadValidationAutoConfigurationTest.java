package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Valid} and {@code @Validated} payload parameters, in a context with Boot's validation auto-configuration
 * (Hibernate Validator) on an in-memory transport: a payload that fails is rejected as {@code bad-payload} with
 * every violation named, never reaching the handler nor retried; without a validator such a handler fails the
 * startup.
 */
class PayloadValidationAutoConfigurationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20, ValidationAutoConfiguration.class)
            .withUserConfiguration(Handlers.class)
            .withPropertyValues("swoole.task.retry.max-retries=2", "swoole.task.retry.delay=1ms");
    }

    @Test
    void anInvalidPayloadIsRejectedNamingEveryViolationAndTheHandlerNeverRuns() {
        runner().run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            Handlers handlers = context.getBean(Handlers.class);
            CompletableFuture<Object> bad = tasks.call("resize", new Resize("", 0, new Crop(-3)));
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("bad-payload: task ")
                .hasMessageContaining("the payload for Handlers.resize is not valid: ")
                .hasMessageContaining("image: ").hasMessageContaining("(was '')")
                .hasMessageContaining("width: ").hasMessageContaining("(was 0)")
                .hasMessageContaining("crop.left: ").hasMessageContaining("(was -3)");
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await("counted as rejected").atMost(DEADLINE)
                .until(() -> pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD) == 1);
            assertThat(pool.statistics().failedCount()).as("not a handler failure, so not retried").isZero();
            CompletableFuture<Object> good = tasks.call("resize", new Resize("cat.png", 120, null));
            assertThat(good.get(10, TimeUnit.SECONDS)).isEqualTo("resized cat.png");
            assertThat(handlers.seen).as("only the valid payload reached the handler")
                .containsExactly(new Resize("cat.png", 120, null));
        });
    }

    @Test
    void theElementsOfAValidatedListAreValidatedEachNamedByItsIndex() {
        runner().run((context) -> {
            CompletableFuture<Object> bad = context.getBean(TaskOperations.class).call("crops",
                    List.of(new Crop(1), new Crop(-1)));
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("the payload for Handlers.crops is not valid: ")
                .hasMessageContaining("[1].left: ").hasMessageContaining("(was -1)");
            assertThat(context.getBean(TaskOperations.class).call("crops", List.of(new Crop(2)))
                .get(10, TimeUnit.SECONDS)).isEqualTo(1);
        });
    }

    @Test
    void aHandlerOnABeanProxiedThroughItsInterfaceIsValidatedByTheClassesAnnotations() {
        runner().withBean("resizer", Resizer.class, () -> {
            ProxyFactory proxy = new ProxyFactory(new ValidatingResizer());
            proxy.addInterface(Resizer.class);
            return (Resizer) proxy.getProxy();
        }).run((context) -> {
            assertThat(AopUtils.isJdkDynamicProxy(context.getBean(Resizer.class))).isTrue();
            CompletableFuture<Object> bad = context.getBean(TaskOperations.class).call("proxied",
                    new Resize("", 1, null));
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("the payload for ValidatingResizer.resize is not valid: image: ");
            assertThat(context.getBean(TaskOperations.class).call("proxied", new Resize("a.png", 1, null))
                .get(10, TimeUnit.SECONDS)).isEqualTo("proxied a.png");
        });
    }

    @Test
    void aParameterWithoutValidationAnnotationsTakesAnyPayload() {
        runner().run((context) -> {
            Resize invalid = new Resize("", 0, null);
            assertThat(context.getBean(TaskOperations.class).call("loose", invalid).get(10, TimeUnit.SECONDS))
                .isEqualTo("loose");
            assertThat(context.getBean(Handlers.class).seen).containsExactly(invalid);
        });
    }

    @Test
    void validatedGroupsAreTheHints() {
        runner().run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            CompletableFuture<Object> strict = tasks.call("strict", new Tagged(" "));
            assertThatThrownBy(() -> strict.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("the payload for Handlers.strict is not valid: tag: ");
            assertThat(tasks.call("lenient", new Tagged(" ")).get(10, TimeUnit.SECONDS))
                .as("@Valid checks the Default group only, which has no constraint on tag").isEqualTo("lenient");
        });
    }

    @Test
    void aValidatedParameterWithoutAValidatorFailsTheStartupSayingWhatToAdd() {
        bare().withUserConfiguration(OneValidatedHandler.class).withPropertyValues("swoole.task.auto-startup=false")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).hasStackTraceContaining("@TaskHandler method public void "
                        + OneValidatedHandler.class.getName() + ".resize(" + Resize.class.getName() + ") asks for"
                        + " its payload to be validated, but the application has no Validator bean: add"
                        + " spring-boot-starter-validation");
            });
    }

    @Test
    void withSeveralValidatorsThePrimaryOneValidates() {
        bare().withUserConfiguration(OneValidatedHandler.class, TwoValidators.class)
            .withBean("noCats", Validator.class, NoCats::new, (definition) -> definition.setPrimary(true))
            .run((context) -> {
                assertThat(context).hasNotFailed();
                CompletableFuture<Object> cat = context.getBean(TaskOperations.class).call(new Resize("cat.png", 1,
                        null));
                assertThatThrownBy(() -> cat.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("the payload for OneValidatedHandler.resize is not valid: image: no cats"
                            + " here (was 'cat.png')");
            });
    }

    @Test
    void severalValidatorsWithoutAPrimaryFailTheStartupSayingSo() {
        bare().withUserConfiguration(OneValidatedHandler.class, TwoValidators.class)
            .withPropertyValues("swoole.task.auto-startup=false")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).hasStackTraceContaining("asks for its payload to be"
                        + " validated, but the application has 2 Validator beans and none of them is @Primary: mark"
                        + " the one to validate task payloads with @Primary");
            });
    }

    /** Without Boot's validation auto-configuration: the application's own validators only. */
    private ApplicationContextRunner bare() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20);
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoValidators {

        @Bean
        Validator everythingGoes() {
            return new NoCats() {
                @Override
                public void validate(Object target, Errors errors) {
                }
            };
        }

        @Bean
        Validator alsoEverythingGoes() {
            return everythingGoes();
        }
    }

    /** A Spring validator of its own: refuses images of cats. */
    static class NoCats implements Validator {

        @Override
        public boolean supports(Class<?> type) {
            return Resize.class.isAssignableFrom(type);
        }

        @Override
        public void validate(Object target, Errors errors) {
            if (((Resize) target).image().contains("cat")) {
                errors.rejectValue("image", "cats", "no cats here");
            }
        }
    }


    record Resize(@NotBlank String image, @Min(1) int width, @Valid @Nullable Crop crop) {
    }

    record Crop(@Min(0) int left) {
    }

    interface Strict {
    }

    record Tagged(@NotBlank(groups = Strict.class) String tag) {
    }

    interface Resizer {

        String resize(Resize request);
    }

    static class ValidatingResizer implements Resizer {

        @Override
        @TaskHandler("proxied")
        public String resize(@Valid Resize request) {
            return "proxied " + request.image();
        }
    }

    static class OneValidatedHandler {

        @TaskHandler
        public void resize(@Valid Resize request) {
        }
    }

    static class Handlers {

        final List<Object> seen = new CopyOnWriteArrayList<>();

        @TaskHandler("resize")
        public String resize(@Valid Resize request) {
            this.seen.add(request);
            return "resized " + request.image();
        }

        @TaskHandler("loose")
        public String loose(Resize request) {
            this.seen.add(request);
            return "loose";
        }

        @TaskHandler("strict")
        public String strict(@Validated(Strict.class) Tagged tagged) {
            return "strict";
        }

        @TaskHandler("crops")
        public int crops(@Valid List<@Valid Crop> crops) {
            return crops.size();
        }

        @TaskHandler("lenient")
        public String lenient(@Valid Tagged tagged) {
            return "lenient";
        }
    }
}
