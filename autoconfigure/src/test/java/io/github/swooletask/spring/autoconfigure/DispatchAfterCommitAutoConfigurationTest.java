package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.transport.QueueFullException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code swoole.task.dispatch-after-commit} on an in-memory transport, with a transaction manager that holds no
 * resource: a task dispatched in a transaction goes out only once it committed, and never when it rolled back.
 */
class DispatchAfterCommitAutoConfigurationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 4096)
            .withUserConfiguration(Transactions.class, Handlers.class)
            .withPropertyValues("swoole.task.dispatch-after-commit=true");
    }

    @Test
    void tasksOfATransactionGoOutInOrderOnceItCommittedWithTheIdsTheDispatchReturned() {
        runner().run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
            Handlers handlers = context.getBean(Handlers.class);
            List<Integer> ids = transaction(context).execute((status) -> {
                List<Integer> dispatched = List.of(tasks.dispatch("note", "a"), tasks.dispatch("note", "b"),
                        tasks.dispatch("note", "c"));
                assertThat(dispatcher.statistics().queuedCount()).as("nothing sent before the commit").isZero();
                return dispatched;
            });
            await("the committed tasks handled").atMost(DEADLINE).until(() -> handlers.seen.size() == 3);
            assertThat(handlers.seen).containsExactly(ids.get(0) + ":a", ids.get(1) + ":b", ids.get(2) + ":c");
            CompletableFuture<String> called = transaction(context).execute((status) -> tasks.call("echo", "x"));
            assertThat(called.get(10, TimeUnit.SECONDS)).isEqualTo("echo x");
        });
    }

    @Test
    void tasksOfATransactionThatRolledBackAreNeverSentAndACallIsCancelled() {
        runner().run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            CompletableFuture<String> called = transaction(context).execute((status) -> {
                tasks.dispatch("note", "rolled back");
                status.setRollbackOnly();
                return tasks.call("echo", "rolled back");
            });
            assertThatThrownBy(() -> called.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class)
                .hasMessageEndingWith("was not sent: the transaction it was dispatched in rolled back");
            tasks.dispatch("note", "after");
            Handlers handlers = context.getBean(Handlers.class);
            await("the task dispatched after it handled").atMost(DEADLINE).until(() -> !handlers.seen.isEmpty());
            assertThat(handlers.seen).singleElement().asString().endsWith(":after");
            assertThat(context.getBean(TaskDispatcher.class).statistics().queuedCount()).isEqualTo(1);
        });
    }

    @Test
    void aTaskThatCannotBeSentIsRefusedAtTheDispatchNotAfterTheCommit() {
        runner().run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            assertThatThrownBy(() -> transaction(context).executeWithoutResult(
                    (status) -> tasks.dispatchTo(0, "note", "to a worker")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only in ipc-mode 2");
        });
    }

    @Test
    void aSendThatFailsAfterTheCommitFailsTheCall() {
        runner().withPropertyValues("swoole.task.auto-startup=false", "swoole.task.full-queue-policy=fail")
            .run((context) -> {
                TaskOperations tasks = context.getBean(TaskOperations.class);
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 1000; i++) {
                        tasks.dispatch("note", "filling the queue");
                    }
                }).isInstanceOf(QueueFullException.class);
                CompletableFuture<String> called = transaction(context).execute((status) -> tasks.call("echo", "x"));
                assertThatThrownBy(() -> called.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(QueueFullException.class);
            });
    }

    @Test
    void withoutTheSettingATaskOfATransactionGoesOutAtOnce() {
        runner().withPropertyValues("swoole.task.dispatch-after-commit=false").run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
            transaction(context).executeWithoutResult((status) -> {
                tasks.dispatch("note", "now");
                assertThat(dispatcher.statistics().queuedCount()).isEqualTo(1);
                status.setRollbackOnly();
            });
            Handlers handlers = context.getBean(Handlers.class);
            await("handled although the transaction rolled back").atMost(DEADLINE)
                .until(() -> handlers.seen.size() == 1);
        });
    }

    @Test
    void outsideATransactionADispatchGoesOutAtOnce() {
        runner().run((context) -> {
            context.getBean(TaskOperations.class).dispatch("note", "now");
            assertThat(context.getBean(TaskDispatcher.class).statistics().queuedCount()).isEqualTo(1);
        });
    }

    private static TransactionTemplate transaction(ApplicationContext context) {
        return new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class Transactions {

        @Bean
        PlatformTransactionManager transactionManager() {
            return new NoResourceTransactionManager();
        }
    }

    /** Transactions that begin, commit and roll back nothing but their synchronizations. */
    static class NoResourceTransactionManager extends AbstractPlatformTransactionManager {

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
        }
    }

    static class Handlers {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @TaskHandler("note")
        public void note(String text, TaskContext context) {
            this.seen.add(context.taskId() + ":" + text);
        }

        @TaskHandler("echo")
        public String echo(String text) {
            return "echo " + text;
        }
    }
}
