package io.github.swooletask.spring.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.resilience.retry.MethodRetryPredicate;
import org.springframework.util.backoff.ExponentialBackOff;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Spring Framework's {@code @Retryable} on a handler method or class, in a context on an in-memory transport whose
 * {@code swoole.task.retry.max-retries} is 0: the handler is retried as its annotation says (attempts, includes and
 * excludes, predicate, placeholders, back-off) and then recovered, other handlers keep the application's retry,
 * a bean proxied by {@code @EnableResilientMethods} is retried by its proxy only, and values that cannot be read
 * fail the startup naming the method.
 */
class RetryableHandlerAutoConfigurationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20)
            .withBean(Recovered.class)
            .withPropertyValues("retries.mail=3");
    }

    @Test
    void aRetryableHandlerRunsAsOftenAsItsAnnotationSaysThenIsRecovered() {
        runner().withBean(Mail.class).run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            Mail mail = context.getBean(Mail.class);
            assertThatThrownBy(() -> tasks.call("mail", "a@b.c").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("smtp down 4");
            assertThat(mail.runs("mail")).as("the first run and maxRetriesString's ${retries.mail} = 3 retries")
                .isEqualTo(4);
            FailedTask failed = context.getBean(Recovered.class).awaitTasks(1).get(0);
            assertThat(failed.handler()).isEqualTo("Mail.send");
            assertThat(failed.attempts()).isEqualTo(4);
            assertThat(failed.failure()).hasMessage("smtp down 4");
            assertThat(tasks.call("mail", "ok").get(10, TimeUnit.SECONDS)).as("a run that succeeds")
                .isEqualTo("sent ok");
        });
    }

    @Test
    void aHandlerWithoutTheAnnotationKeepsTheApplicationsRetry() {
        runner().withBean(Mail.class).withPropertyValues("swoole.task.retry.max-retries=1",
                "swoole.task.retry.delay=1ms").run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            assertThatThrownBy(() -> tasks.call("plain", "x").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThatThrownBy(() -> tasks.call("mail", "x").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            Mail mail = context.getBean(Mail.class);
            assertThat(mail.runs("plain")).as("swoole.task.retry.max-retries=1").isEqualTo(2);
            assertThat(mail.runs("mail")).as("its own @Retryable, not the properties").isEqualTo(4);
            TaskHandlerRegistry registry = context.getBean(TaskHandlerRegistry.class);
            assertThat(registry.find("plain").retryPolicy()).isNull();
            assertThat(registry.find("mail").retryPolicy()).isNotNull();
        });
    }

    @Test
    void includesAndExcludesChooseTheFailuresThatAreRetried() {
        runner().withBean(Mail.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            Mail mail = context.getBean(Mail.class);
            assertThatThrownBy(() -> tasks.call("io", "transient").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThat(mail.runs("io")).as("an included UncheckedIOException: 2 retries").isEqualTo(3);
            assertThatThrownBy(() -> tasks.call("io", "state").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThat(mail.runs("io")).as("an IllegalStateException is not included: one run").isEqualTo(4);
            assertThatThrownBy(() -> tasks.call("io", "unsupported").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThat(mail.runs("io")).as("an excluded subclass of the included one: one run").isEqualTo(5);
            assertThat(context.getBean(Recovered.class).awaitTasks(3)).extracting(FailedTask::attempts)
                .containsExactly(3L, 1L, 1L);
        });
    }

    @Test
    void aPredicateBeanDecidesWithTheMethodAndTheFailure() {
        runner().withBean(Mail.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            Mail mail = context.getBean(Mail.class);
            assertThatThrownBy(() -> tasks.call("predicate", "transient").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThatThrownBy(() -> tasks.call("predicate", "permanent").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThat(mail.runs("predicate")).as("two retries of the transient failure, none of the other")
                .isEqualTo(4);
            assertThat(OnlyTransient.asked).as("asked with the handler method").contains("predicate");
        });
    }

    @Test
    void theAnnotationOnTheClassCountsForEachHandlerMethodAndTheDelaysAreItsOwn() {
        runner().withBean(Reports.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            assertThatThrownBy(() -> tasks.call("daily", "x").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThatThrownBy(() -> tasks.call("weekly", "x").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
            assertThat(context.getBean(Reports.class).runs).containsEntry("daily", 2).containsEntry("weekly", 2);
            RetryPolicy policy = context.getBean(TaskHandlerRegistry.class).find("weekly").retryPolicy();
            assertThat(policy.getBackOff()).isInstanceOfSatisfying(ExponentialBackOff.class, (backOff) -> {
                assertThat(backOff.getMaxAttempts()).isEqualTo(1);
                assertThat(backOff.getInitialInterval()).as("delayString '2ms'").isEqualTo(2);
                assertThat(backOff.getMultiplier()).isEqualTo(3.0);
                assertThat(backOff.getMaxInterval()).as("maxDelay 40, timeUnit MILLISECONDS").isEqualTo(40);
            });
            assertThat(policy.getTimeout()).as("timeoutString '#{5 * 1000}'").isEqualTo(Duration.ofSeconds(5));
        });
    }

    @Test
    void aBeanThatResilientMethodsProxyIsRetriedByTheProxyAlone() {
        runner().withUserConfiguration(ResilientMethods.class).withBean(Mail.class).run((context) -> {
            assertThat(context).hasNotFailed();
            Mail mail = context.getBean(Mail.class);
            assertThat(AopUtils.isAopProxy(mail)).as("proxied by Spring's retry post-processor").isTrue();
            assertThatThrownBy(() -> context.getBean(TaskOperations.class).call("mail", "a@b.c")
                .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            assertThat(mail.runs("mail")).as("the proxy's 4 runs, not 4 times 4").isEqualTo(4);
            FailedTask failed = context.getBean(Recovered.class).awaitTasks(1).get(0);
            assertThat(failed.attempts()).as("one handler run, inside which the proxy retried").isEqualTo(1);
            TaskHandlerMethod handler = context.getBean(TaskHandlerRegistry.class).find("mail");
            assertThat(handler.retryPolicy().getBackOff().start().nextBackOff()).as("no retry of its own")
                .isEqualTo(-1L);
        });
    }

    @Test
    void valuesThatCannotBeReadFailTheStartupNamingTheMethod() {
        runner().withBean(NotANumber.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("@TaskHandler method public void " + NotANumber.class.getName())
            .hasMessageContaining("its @Retryable maxRetriesString 'many' (from '${retries.missing:many}') is not a"
                    + " whole number"));
        runner().withBean(NotADuration.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("NotADuration.run(java.lang.String)")
            .hasMessageContaining("its @Retryable delayString 'soon' is not a duration"));
        runner().withBean(SpringRefuses.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("SpringRefuses.run(java.lang.String): its @Retryable is not valid: Invalid"
                    + " multiplier '0.5'"));
    }

    /** Keeps the tasks the handlers gave up on. */
    static class Recovered implements TaskRecoverer {

        final List<FailedTask> tasks = new CopyOnWriteArrayList<>();

        @Override
        public String recover(FailedTask task) {
            this.tasks.add(task);
            return "kept";
        }

        List<FailedTask> awaitTasks(int count) {
            await("recovered tasks").atMost(DEADLINE).until(() -> this.tasks.size() >= count);
            assertThat(this.tasks).hasSize(count);
            return this.tasks;
        }
    }

    static class Mail {

        private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

        int runs(String handler) {
            return this.runs.computeIfAbsent(handler, (name) -> new AtomicInteger()).get();
        }

        private int run(String handler) {
            return this.runs.computeIfAbsent(handler, (name) -> new AtomicInteger()).incrementAndGet();
        }

        @TaskHandler("mail")
        @Retryable(maxRetriesString = "${retries.mail}", delay = 1)
        public String send(String to) {
            int run = run("mail");
            if (to.equals("ok")) {
                return "sent ok";
            }
            throw new IllegalStateException("smtp down " + run);
        }

        @TaskHandler("plain")
        public void plain(String payload) {
            run("plain");
            throw new IllegalStateException("plain failure");
        }

        @TaskHandler("io")
        @Retryable(includes = UncheckedIOException.class, excludes = Unsupported.class, maxRetries = 2, delay = 0)
        public void io(String kind) {
            run("io");
            switch (kind) {
                case "transient" -> throw new UncheckedIOException(new IOException("connection reset"));
                case "unsupported" -> throw new Unsupported();
                default -> throw new IllegalStateException(kind);
            }
        }

        @TaskHandler("predicate")
        @Retryable(predicate = OnlyTransient.class, maxRetries = 2, delay = 0)
        public void predicate(String kind) {
            run("predicate");
            throw new IllegalStateException(kind);
        }
    }

    /** An included exception's subclass that is excluded. */
    static class Unsupported extends UncheckedIOException {

        Unsupported() {
            super(new IOException("unsupported"));
        }
    }

    /** Retries failures whose message says they are transient; remembers which methods it was asked about. */
    static class OnlyTransient implements MethodRetryPredicate {

        static final List<String> asked = new CopyOnWriteArrayList<>();

        @Override
        public boolean shouldRetry(Method method, Throwable failure) {
            asked.add(method.getName());
            return String.valueOf(failure.getMessage()).contains("transient");
        }
    }

    @Retryable(maxRetries = 1, delayString = "2ms", multiplier = 3, maxDelay = 40, timeoutString = "#{5 * 1000}")
    static class Reports {

        final Map<String, Integer> runs = new ConcurrentHashMap<>();

        @TaskHandler("daily")
        public void daily(String payload) {
            this.runs.merge("daily", 1, Integer::sum);
            throw new IllegalStateException("daily");
        }

        @TaskHandler("weekly")
        public void weekly(String payload) {
            this.runs.merge("weekly", 1, Integer::sum);
            throw new IllegalStateException("weekly");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableResilientMethods
    static class ResilientMethods {
    }

    static class NotANumber {

        @TaskHandler("n")
        @Retryable(maxRetriesString = "${retries.missing:many}")
        public void run(String payload) {
        }
    }

    static class NotADuration {

        @TaskHandler("d")
        @Retryable(delayString = "soon")
        public void run(String payload) {
        }
    }

    static class SpringRefuses {

        @TaskHandler("m")
        @Retryable(multiplier = 0.5)
        public void run(String payload) {
        }
    }
}
