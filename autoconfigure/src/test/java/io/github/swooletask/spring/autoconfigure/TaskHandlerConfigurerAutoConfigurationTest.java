package io.github.swooletask.spring.autoconfigure;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.Environment;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.util.ReflectionUtils;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHandlerConfigurer;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.handler.TaskHandlerEndpoint;
import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.spring.handler.TaskHandlerRegistrar;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Handlers declared in code by {@link TaskHandlerConfigurer} beans, in a context on an in-memory transport: a
 * function under names from the environment, a bean method under two names with its {@code TaskContext} and its
 * {@code @Retryable}, the default handler, reserved workers and a retry policy of the endpoint's own, and names
 * that clash with an annotated handler.
 */
class TaskHandlerConfigurerAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20);
    }

    private static <T> T call(TaskOperations tasks, String name, Object payload) throws Exception {
        return tasks.<T>call(name, payload).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFunctionTakesTheNamesTheEnvironmentGives() {
        runner().withPropertyValues("mail.regions=eu,us")
            .withBean(RegionalMail.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskOperations tasks = context.getBean(TaskOperations.class);
                assertThat((String) call(tasks, "mail.eu", new Mail("a@b.c"))).isEqualTo("mail.eu sent to a@b.c");
                assertThat((String) call(tasks, "mail.us", new Mail("d@e.f"))).isEqualTo("mail.us sent to d@e.f");
                TaskHandlerMethod handler = context.getBean(TaskHandlerRegistry.class).findById("mail.eu");
                assertThat(handler.route()).isEqualTo("mail.eu");
                assertThat(handler.displayName()).as("the timer's handler tag").isEqualTo("mail.eu");
            });
    }

    @Test
    void aBeanMethodRunsUnderTwoNamesWithItsContextAndItsRetryable() {
        runner().withBean(Archive.class).withBean(ArchiveHandlers.class).run((context) -> {
                assertThat(context).hasNotFailed();
                TaskOperations tasks = context.getBean(TaskOperations.class);
                Archive archive = context.getBean(Archive.class);
                assertThat((String) call(tasks, "archive", "x")).isEqualTo("stored x as archive");
                assertThat((String) call(tasks, "backup", "y")).isEqualTo("stored y as backup");
                assertThatThrownBy(() -> call(tasks, "archive", "fail")).isInstanceOf(ExecutionException.class);
                assertThat(archive.failures.get()).as("its @Retryable: one run and two retries").isEqualTo(3);
                assertThat(context.getBean(TaskHandlerRegistry.class).findById("a2").displayName())
                    .isEqualTo("Archive.store");
            });
    }

    @Test
    void theDefaultHandlerReservedWorkersAndAnOwnRetryPolicy() {
        AtomicInteger runs = new AtomicInteger();
        List<Object> seen = new CopyOnWriteArrayList<>();
        runner().withBean("configurer", TaskHandlerConfigurer.class, () -> (registrar) -> registrar
            .register(TaskHandlerEndpoint.function(Object.class, (payload) -> seen.add(payload)))
            .register(TaskHandlerEndpoint.function(String.class, (payload) -> {
                runs.incrementAndGet();
                throw new IllegalStateException("flaky " + payload);
            }).name("flaky").retryPolicy(RetryPolicy.builder().maxRetries(2).delay(Duration.ZERO).build()))
            .register(TaskHandlerEndpoint.function(String.class, String::length).name("reserved").concurrency(1)
                .autoStartup(false)))
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskOperations tasks = context.getBean(TaskOperations.class);
                TaskHandlerRegistry registry = context.getBean(TaskHandlerRegistry.class);
                assertThat(registry.find(null).id()).isEqualTo("default");
                call(tasks, null, "no name");
                assertThat(seen).containsExactly("no name");
                assertThatThrownBy(() -> call(tasks, "flaky", "x")).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("flaky x");
                assertThat(runs.get()).as("the endpoint's policy: two retries").isEqualTo(3);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                assertThat(pool.reservedIds()).containsExactly("reserved");
                assertThat(pool.isReservedRunning("reserved")).isFalse();
                pool.startReserved("reserved");
                assertThat((Integer) call(tasks, "reserved", "four")).isEqualTo(4);
            });
    }

    @Test
    void aNameAnAnnotatedHandlerHasFailsTheStartupNamingBoth() {
        runner().withBean(Annotated.class)
            .withBean("clash", TaskHandlerConfigurer.class, () -> (registrar) -> registrar
                .register(TaskHandlerEndpoint.function(String.class, String::trim).name("report")))
            .run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining("Two @TaskHandler methods claim the task name 'report'")
                .hasMessageContaining("Annotated.report(java.lang.String) and the function handler 'report' of a"
                        + " TaskHandlerConfigurer"));
    }

    @Test
    void aMethodEndpointWithABatchSizeIsABatchHandlerAndAFunctionCannotBeOne() {
        runner().withBean("ledger", TaskHandlerConfigurer.class, () -> (registrar) -> registrar.register(
                    TaskHandlerEndpoint.method(new Ledger(), Ledger.BOOK).name("book").id("book").batchSize(10)
                        .autoStartup(false)))
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskHandlerMethod handler = context.getBean(TaskHandlerRegistry.class).findById("book");
                assertThat(handler.batchSize()).isEqualTo(10);
                assertThat(handler.concurrency()).isEqualTo(1);
                TaskOperations tasks = context.getBean(TaskOperations.class);
                List<CompletableFuture<String>> calls = List.of(tasks.call("book", "a"),
                        tasks.call("book", "b"), tasks.call("book", "c"));
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                await().until(() -> pool.reservedBacklog("book") == 3);
                pool.startReserved("book");
                assertThat(calls.get(0).get(10, TimeUnit.SECONDS)).isEqualTo("a: entry 1 of 3");
                assertThat(calls.get(2).get(10, TimeUnit.SECONDS)).isEqualTo("c: entry 3 of 3");
            });
        runner().withBean("bad", TaskHandlerConfigurer.class, () -> (registrar) -> registrar.register(
                TaskHandlerEndpoint.function(String.class, String::trim).name("trim").batchSize(5)))
            .run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining("The function handler 'trim' of a TaskHandlerConfigurer has a batchSize, but a"
                        + " function takes one payload"));
    }

    /** A batch method that no annotation marks. */
    static class Ledger {

        static final Method BOOK = ReflectionUtils.findMethod(Ledger.class, "book", List.class);

        public List<String> book(List<String> entries) {
            List<String> booked = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                booked.add(entries.get(i) + ": entry " + (i + 1) + " of " + entries.size());
            }
            return booked;
        }
    }

    record Mail(String to) {
    }

    /** One function under each name of {@code mail.regions}. */
    static class RegionalMail implements TaskHandlerConfigurer {

        private final Environment environment;

        RegionalMail(Environment environment) {
            this.environment = environment;
        }

        @Override
        public void configureTaskHandlers(TaskHandlerRegistrar registrar) {
            for (String region : this.environment.getProperty("mail.regions", String[].class)) {
                String name = "mail." + region;
                registrar.register(TaskHandlerEndpoint.function(Mail.class, (mail) -> name + " sent to " + mail.to())
                    .name(name));
            }
        }
    }

    /** A class without annotations but {@code @Retryable}, whose method the configurer registers twice. */
    static class Archive {

        static final Method STORE = ReflectionUtils.findMethod(Archive.class, "store", String.class,
                TaskContext.class);

        final AtomicInteger failures = new AtomicInteger();

        @Retryable(maxRetries = 2, delay = 0)
        public String store(String item, TaskContext context) {
            if (item.equals("fail")) {
                this.failures.incrementAndGet();
                throw new IllegalStateException("disk full");
            }
            return "stored " + item + " as " + context.route();
        }
    }

    /** Registers the archive's method under two names. */
    static class ArchiveHandlers implements TaskHandlerConfigurer {

        private final Archive archive;

        ArchiveHandlers(Archive archive) {
            this.archive = archive;
        }

        @Override
        public void configureTaskHandlers(TaskHandlerRegistrar registrar) {
            registrar.register(TaskHandlerEndpoint.method(this.archive, Archive.STORE).name("archive").id("a1"))
                .register(TaskHandlerEndpoint.method(this.archive, Archive.STORE).name("backup").id("a2"));
        }
    }

    static class Annotated {

        @TaskHandler("report")
        public String report(String day) {
            return day;
        }
    }
}
