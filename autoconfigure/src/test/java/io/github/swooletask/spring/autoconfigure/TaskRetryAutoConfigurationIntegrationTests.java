package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.retry.RetryPolicySettings;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.util.backoff.ExponentialBackOff;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry of failed handlers from {@code swoole.task.retry.*} as a Spring {@link RetryPolicy}: the properties in
 * the policy and its exponential back-off, customizer beans applied, values Spring would refuse named by
 * property, and the metadata of the properties.
 */
class TaskRetryAutoConfigurationIntegrationTests {

    @TempDir
    Path root;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.runner(this.root).withBean(Handlers.class);
    }

    @Test
    void thePropertiesMakeAnExponentialBackOffWithJitterIncludesAndExcludes() {
        SwooleTaskProperties.Retry properties = new SwooleTaskProperties.Retry();
        properties.setMaxRetries(4);
        properties.setDelay(Duration.ofMillis(200));
        properties.setJitter(Duration.ofMillis(50));
        properties.setMultiplier(1.5);
        properties.setMaxDelay(Duration.ofSeconds(3));
        properties.setIncludes(List.of(IllegalStateException.class));
        properties.setExcludes(List.of(UnsupportedOperationException.class));
        RetryPolicy policy = TaskRetryPolicyFactory.create(properties, List.of());
        assertThat(policy.getBackOff()).isInstanceOfSatisfying(ExponentialBackOff.class, (backOff) -> {
            assertThat(backOff.getMaxAttempts()).isEqualTo(4);
            assertThat(backOff.getInitialInterval()).isEqualTo(200);
            assertThat(backOff.getJitter()).isEqualTo(50);
            assertThat(backOff.getMultiplier()).isEqualTo(1.5);
            assertThat(backOff.getMaxInterval()).isEqualTo(3000);
        });
        assertThat(policy.shouldRetry(new IllegalStateException())).isTrue();
        assertThat(policy.shouldRetry(new IllegalArgumentException())).as("not included").isFalse();
        assertThat(policy.shouldRetry(new RuntimeException(new IllegalStateException()))).as("included as a cause")
            .isTrue();
    }

    @Test
    void theDefaultsAreTwoRetriesHalfASecondApartDoubling() {
        RetryPolicy policy = TaskRetryPolicyFactory.create(new SwooleTaskProperties.Retry(), List.of());
        assertThat(policy.getBackOff()).isInstanceOfSatisfying(ExponentialBackOff.class, (backOff) -> {
            assertThat(backOff.getMaxAttempts()).isEqualTo(2);
            assertThat(backOff.getInitialInterval()).isEqualTo(500);
            assertThat(backOff.getJitter()).isZero();
            assertThat(backOff.getMultiplier()).isEqualTo(2.0);
            assertThat(backOff.getMaxInterval()).isEqualTo(10_000);
        });
        assertThat(policy.shouldRetry(new Exception())).isTrue();
    }

    @Test
    void customizerBeansChangeTheSettings() {
        runner().withPropertyValues("swoole.task.retry.max-retries=5", "swoole.task.retry.delay=1ms")
            .withBean("fewerRetries", TaskRetrySettingsCustomizer.class, FewerRetries::new)
            .withBean("notPermanent", TaskRetrySettingsCustomizer.class, NotPermanent::new)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                Handlers handlers = context.getBean(Handlers.class);
                tasks.call("transient", "x").handle((result, failure) -> null)
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                tasks.call("permanent", "x").handle((result, failure) -> null)
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(handlers.transientCalls.get()).as("the first run and the customizer's one retry")
                    .isEqualTo(2);
                assertThat(handlers.permanentCalls.get()).as("the predicate refuses a retry").isEqualTo(1);
            });
    }

    @Test
    void valuesSpringWouldRefuseNameTheProperty() {
        runner().withPropertyValues("swoole.task.retry.delay=0", "swoole.task.retry.jitter=10ms")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("swoole.task.retry.jitter needs a delay"));
        runner().withPropertyValues("swoole.task.retry.multiplier=0.5")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("swoole.task.retry.multiplier must be at least 1.0"));
        runner().withPropertyValues("swoole.task.retry.max-delay=0")
            .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("swoole.task.retry.max-delay must be positive"));
    }

    @Test
    void metadataDescribesTheRetryAndObservationProperties() throws Exception {
        String metadata;
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated configuration metadata").isNotNull();
            metadata = new String(in.readAllBytes());
        }
        for (String name : List.of("retry.max-retries", "retry.delay", "retry.jitter", "retry.multiplier",
                "retry.max-delay", "retry.includes", "retry.excludes", "observation.enabled")) {
            assertThat(metadata).contains("\"name\": \"swoole.task." + name + "\"");
        }
        assertThat(metadata).contains("Random spread of each wait");
    }

    /** Runs once more at most, whatever the properties say. */
    static class FewerRetries implements TaskRetrySettingsCustomizer {

        @Override
        public void customize(RetryPolicySettings settings) {
            settings.setMaxRetries(1L);
        }
    }

    /** Never retries a failure that says it is permanent. */
    static class NotPermanent implements TaskRetrySettingsCustomizer {

        @Override
        public void customize(RetryPolicySettings settings) {
            settings.setExceptionPredicate((failure) -> !String.valueOf(failure.getMessage()).contains("permanent"));
        }
    }

    static class Handlers {

        final AtomicInteger transientCalls = new AtomicInteger();

        final AtomicInteger permanentCalls = new AtomicInteger();

        @TaskHandler("transient")
        public void failsForNow(String payload) {
            throw new IllegalStateException("transient failure " + this.transientCalls.incrementAndGet());
        }

        @TaskHandler("permanent")
        public void failsForGood(String payload) {
            this.permanentCalls.incrementAndGet();
            throw new IllegalStateException("permanent failure");
        }
    }
}
