package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;

import io.github.swooletask.spring.TaskContext;
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
 * Handler parameters with Spring Messaging's {@code @Payload}, {@code @Header} and {@code @Headers}, as a Spring AMQP
 * or Spring Kafka listener declares them: the task's headers ({@link TaskHeaders}) one by one, converted to the
 * parameter's type, or all of them; a missing required header rejects the task alone; what cannot work fails the
 * startup naming the method.
 */
@ExtendWith(OutputCaptureExtension.class)
class HeaderParameterAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20, ValidationAutoConfiguration.class);
    }

    @Test
    void eachHeaderParameterGetsItsHeaderAsItsTypeAndHeadersGetsThemAll() {
        runner().withBean(Orders.class).run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            int id = tasks.dispatch("order", new Order("pen"));
            Orders orders = context.getBean(Orders.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !orders.seen.isEmpty());
            assertThat(orders.seen.get(0)).isEqualTo(new Seen(new Order("pen"), id, "order", "LOCAL",
                    WireFormat.SWOOLE_1_7));
            assertThat(orders.headers.get(0)).containsEntry(TaskHeaders.TASK_ID, id)
                .containsEntry(TaskHeaders.ROUTE, "order")
                .containsEntry(TaskHeaders.SOURCE, TaskSource.LOCAL)
                .containsKeys(TaskHeaders.WORKER_ID, TaskHeaders.FLAGS, TaskHeaders.FORMAT, TaskHeaders.DELIVERY)
                .doesNotContainKeys(MessageHeaders.ID, MessageHeaders.TIMESTAMP);
            assertThat(tasks.<String>call("by-name", "y").get(10, TimeUnit.SECONDS))
                .as("@Header without a name: the parameter's").isEqualTo("y via by-name");
            assertThat(tasks.<String>call("described", "x").get(10, TimeUnit.SECONDS))
                .as("MessageHeaders: Spring's id and timestamp too").startsWith("x from LOCAL, 9 headers");
        });
    }

    @Test
    void aTaskWithoutARequiredHeaderIsRejectedAloneAndOthersRun(CapturedOutput output) {
        runner().withBean(Strict.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            int nameless = tasks.dispatch("nameless");
            tasks.dispatch("named", "named");
            Strict strict = context.getBean(Strict.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> strict.seen.contains("named via named"));
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD) == 1);
            assertThat(strict.seen).containsExactly("named via named");
            assertThat(output.getOut()).contains("task " + nameless + ": it has no swoole_route header, which"
                    + " Strict.strict requires (@Header(required = false) or a defaultValue takes tasks without it)");
        });
    }

    @Test
    void anOptionalHeaderThatATaskHasNotIsItsDefaultOrNull() {
        runner().withBean(WithDefault.class).run((context) -> assertThat(context.getBean(TaskOperations.class)
            .<String>call("a").get(10, TimeUnit.SECONDS)).isEqualTo("a via none"));
        runner().withBean(WithNull.class).run((context) -> assertThat(context.getBean(TaskOperations.class)
            .<String>call("b").get(10, TimeUnit.SECONDS)).isEqualTo("b via null"));
    }

    @Test
    void aNullPayloadIsRejectedWherePayloadRequiresOne() {
        runner().withBean(Orders.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            tasks.dispatch("order", "null");
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD) == 1);
            assertThat(tasks.<String>call("optional", "null").get(10, TimeUnit.SECONDS))
                .as("@Payload(required = false) takes it").isEqualTo("no order");
            assertThat(context.getBean(Orders.class).seen).isEmpty();
        });
    }

    @Test
    void aBatchHandlerGetsAListOfEachHeaderInTheTasksOrder() {
        runner().withBean(Batch.class).run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            List<Integer> ids = List.of(tasks.dispatch("batch", "a"), tasks.dispatch("batch", "b"),
                    tasks.dispatch("batch", "c"));
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.reservedBacklog("batch") == 3);
            pool.startReserved("batch");
            Batch batch = context.getBean(Batch.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> batch.runs.size() == 1);
            assertThat(batch.runs.get(0)).isEqualTo(List.of(List.of("a", "b", "c"), ids,
                    List.of("batch", "batch", "batch")));
        });
    }

    @Test
    void headerParametersThatCannotWorkFailTheStartupNamingTheMethod() {
        runner().withBean(UnknownHeader.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("UnknownHeader.run(java.lang.String,java.lang.String) takes"
                    + " @Header(\"amqp_receivedRoutingKey\"), which tasks do not have; their headers are"
                    + " swoole_taskId, swoole_workerId, swoole_route, swoole_source, swoole_flags, swoole_format,"
                    + " swoole_delivery (TaskHeaders' constants)"));
        runner().withBean(WrongType.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("takes @Header(\"swoole_taskId\") Order, but its values are Integers, which"
                    + " cannot be converted to that"));
        runner().withBean(OptionalPrimitive.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("takes @Header(\"swoole_route\") int with required = false, but a primitive"
                    + " cannot be absent: take its wrapper type (Integer) or give a defaultValue"));
        runner().withBean(BadDefault.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("takes @Header(\"swoole_workerId\") int with defaultValue 'first', which cannot"
                    + " be converted to that"));
        runner().withBean(HeadersAsText.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("takes @Headers as a String; they come as a Map<String, Object> or a"
                    + " MessageHeaders"));
        runner().withBean(BatchHeaders.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has a batchSize and takes @Headers; a batch handler takes the headers of its"
                    + " tasks as a List<TaskContext>, or one header as a @Header List"));
        runner().withBean(PayloadExpression.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has @Payload(\"item\"), an expression on the payload, which task handlers do"
                    + " not evaluate: take the payload whole"));
        runner().withBean(TwoPayloads.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("declares more than one payload parameter; a handler takes one payload (the"
                    + " one parameter without @Header or @Headers), an optional TaskContext and @Header parameters"));
    }

    record Order(@NotBlank String item) {
    }

    record Seen(Order order, int id, String route, String source, WireFormat format) {
    }

    static class Orders {

        final List<Seen> seen = new CopyOnWriteArrayList<>();

        final List<Map<String, Object>> headers = new CopyOnWriteArrayList<>();

        @TaskHandler("order")
        public void order(@Header(TaskHeaders.TASK_ID) int id, @Valid @Payload Order order,
                @Header(TaskHeaders.ROUTE) String route, @Header(name = TaskHeaders.SOURCE) String source,
                @Header(TaskHeaders.FORMAT) WireFormat format, @Headers Map<String, Object> headers) {
            this.headers.add(headers);
            this.seen.add(new Seen(order, id, route, source, format));
        }

        @TaskHandler("optional")
        public String optional(@Payload(required = false) Order order) {
            return (order != null) ? order.item() : "no order";
        }

        @TaskHandler("by-name")
        public String byName(String text, @Header String swoole_route) {
            return text + " via " + swoole_route;
        }

        @TaskHandler("described")
        public String described(String text, @Headers MessageHeaders headers, TaskContext context) {
            return text + " from " + headers.get(TaskHeaders.SOURCE) + ", " + headers.size() + " headers, task "
                    + context.taskId();
        }
    }

    static class Strict {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @TaskHandler
        public void strict(String text, @Header(TaskHeaders.ROUTE) String route) {
            this.seen.add(text + " via " + route);
        }

        @TaskHandler("named")
        public void named(String text, @Header(TaskHeaders.ROUTE) String route) {
            this.seen.add(text + " via " + route);
        }
    }

    static class WithDefault {

        @TaskHandler
        public String run(String text, @Header(name = TaskHeaders.ROUTE, defaultValue = "none") String route) {
            return text + " via " + route;
        }
    }

    static class WithNull {

        @TaskHandler
        public String run(String text, @Header(name = TaskHeaders.ROUTE, required = false) String route) {
            return text + " via " + route;
        }
    }

    static class Batch {

        final List<List<?>> runs = new CopyOnWriteArrayList<>();

        @TaskHandler(name = "batch", id = "batch", batchSize = "10", autoStartup = "false")
        public void run(List<String> texts, @Header(TaskHeaders.TASK_ID) List<Integer> ids,
                @Header(TaskHeaders.ROUTE) List<String> routes) {
            this.runs.add(List.of(texts, ids, routes));
        }
    }

    static class UnknownHeader {

        @TaskHandler("unknown")
        public void run(String text, @Header("amqp_receivedRoutingKey") String key) {
        }
    }

    static class WrongType {

        @TaskHandler("wrong")
        public void run(String text, @Header(TaskHeaders.TASK_ID) Order order) {
        }
    }

    static class OptionalPrimitive {

        @TaskHandler("primitive")
        public void run(String text, @Header(name = TaskHeaders.ROUTE, required = false) int route) {
        }
    }

    static class BadDefault {

        @TaskHandler("default")
        public void run(String text, @Header(name = TaskHeaders.WORKER_ID, defaultValue = "first") int worker) {
        }
    }

    static class HeadersAsText {

        @TaskHandler("text")
        public void run(String text, @Headers String headers) {
        }
    }

    static class BatchHeaders {

        @TaskHandler(name = "batch-headers", batchSize = "5")
        public void run(List<String> texts, @Headers List<Map<String, Object>> headers) {
        }
    }

    static class PayloadExpression {

        @TaskHandler("expression")
        public void run(@Payload("item") Order order) {
        }
    }

    static class TwoPayloads {

        @TaskHandler("two")
        public void run(@Payload String text, String other) {
        }
    }
}
