package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.messaging.Message;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHeaders;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskSource;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.WireFormat;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A handler that takes a Spring {@code Message<T>}, as Spring AMQP and Spring Kafka listeners may: the payload read
 * (and validated) as {@code T}, the task's context as {@link TaskHeaders}.
 */
class MessageParameterAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20, ValidationAutoConfiguration.class);
    }

    @Test
    void theMessageCarriesThePayloadAsItsTypeAndTheTaskAsHeaders() {
        runner().withBean(Orders.class).run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            int id = tasks.dispatch("order", new Order("pen"));
            assertThat(tasks.<String>call("echo", "hello").get(10, TimeUnit.SECONDS)).isEqualTo("hello via echo");
            Orders orders = context.getBean(Orders.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !orders.received.isEmpty());
            Message<Order> message = orders.received.get(0);
            assertThat(message.getPayload()).isEqualTo(new Order("pen"));
            assertThat(message.getHeaders()).containsEntry(TaskHeaders.TASK_ID, id)
                .containsEntry(TaskHeaders.ROUTE, "order")
                .containsEntry(TaskHeaders.SOURCE, TaskSource.LOCAL)
                .containsEntry(TaskHeaders.FORMAT, WireFormat.SWOOLE_1_7)
                .containsEntry(TaskHeaders.WORKER_ID, 0)
                .containsKeys(TaskHeaders.FLAGS, TaskHeaders.DELIVERY, "id", "timestamp");
        });
    }

    @Test
    void aMessagePayloadIsValidatedAsThePayloadWouldBe() {
        runner().withBean(Orders.class).run((context) -> {
            context.getBean(TaskOperations.class).dispatch("order", new Order(""));
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD) == 1);
            assertThat(context.getBean(Orders.class).received).isEmpty();
        });
    }

    @Test
    void aBatchHandlerOfMessagesFailsTheStartupSayingWhatToTake() {
        runner().withBean(BatchOfMessages.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has a batchSize and takes a List of Messages; a batch handler takes a List of"
                    + " payloads, and their headers as a List<TaskContext>"));
    }

    record Order(@NotBlank String item) {
    }

    static class Orders {

        final List<Message<Order>> received = new CopyOnWriteArrayList<>();

        @TaskHandler("order")
        public void order(@Valid Message<Order> message) {
            this.received.add(message);
        }

        @TaskHandler("echo")
        public String echo(Message<String> message) {
            return message.getPayload() + " via " + message.getHeaders().get(TaskHeaders.ROUTE);
        }
    }

    static class BatchOfMessages {

        @TaskHandler(name = "orders", batchSize = "10")
        public void orders(List<Message<Order>> messages) {
        }
    }
}
