package io.github.swooletask.spring.endpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.EndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationFilter;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.invoke.convert.ConversionServiceParameterValueMapper;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.actuate.endpoint.web.EndpointMediaTypes;
import org.springframework.boot.actuate.endpoint.web.ExposableWebEndpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointHttpMethod;
import org.springframework.boot.actuate.endpoint.web.WebOperation;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpointDiscoverer;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.handler.annotation.SendTo;
import org.springframework.resilience.annotation.Retryable;
import tools.jackson.databind.JsonNode;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint.Handler;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint.SwooleTaskDescriptor;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.QueueStats;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The {@code swooletask} endpoint against real System V queues. */
class SwooleTaskEndpointIntegrationTests {

    private static final String EXPOSE = "management.endpoints.web.exposure.include=swooletask";

    @TempDir
    Path root;

    @Test
    void depthOfGaugeEndpointAndKernelAgreeAndPurgeEmptiesTheQueue() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean(SimpleMeterRegistry.class)
            .withBean(SwooleTaskTestSupport.NoOpHandler.class)
            .withPropertyValues(EXPOSE, "swoole.task.ipc-mode=2", "swoole.task.worker-num=1")
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(SwooleTaskEndpoint.class);
                SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                MessageQueue queue = SwooleTaskTestSupport.queue(context);
                await("worker 0 to wait for tasks").atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> pool.state(0) == WorkerState.RECEIVING);
                int count = 7;
                for (int i = 1; i <= count; i++) {
                    // worker 0 reads mtype 2 only: mtype 50 stays in the queue
                    RawFrames.sendTask(queue, 50, i, "waiting " + i, this.root.resolve("tmp"));
                }
                QueueStats stats = queue.stats();
                SwooleTaskDescriptor descriptor = endpoint.describe();
                assertThat(stats.messages()).isEqualTo(count);
                assertThat(descriptor.depth()).isEqualTo(count);
                assertThat(descriptor.bytes()).isEqualTo(stats.bytes()).isPositive();
                assertThat(descriptor.capacity()).isEqualTo(stats.capacity());
                assertThat(descriptor.lastSenderPid()).isEqualTo(MessageQueue.currentPid());
                assertThat(descriptor.key()).isEqualTo("private");
                assertThat(descriptor.queueId()).isEqualTo(queue.id());
                assertThat(descriptor.permissions()).isEqualTo("0600");
                assertThat(descriptor.mode().number()).isEqualTo(2);
                assertThat(descriptor.mode().name()).isEqualTo("msgqueue");
                assertThat(descriptor.error()).isNull();
                assertThat(registry.get("swoole.task.queue.depth").gauge().value()).isEqualTo(count);
                assertThat(registry.get("swoole.task.queue.bytes").gauge().value()).isEqualTo(stats.bytes());

                assertThat(endpoint.purge().removed()).isEqualTo(count);
                assertThat(endpoint.describe().depth()).isZero();
                assertThat(queue.stats().messages()).isZero();
                await("the depth gauge to show the purge, once its status cache expired")
                    .atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> registry.get("swoole.task.queue.depth").gauge().value() == 0);
                assertThat(registry.get("swoole.task.queue.depth").gauge().value()).isZero();
                assertThat(pool.statistics().processedCount()).isZero();
            });
    }

    @Test
    void purgeDeletesTheSpillFilesOfThePurgedTasks() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean(SwooleTaskTestSupport.NoOpHandler.class)
            .withPropertyValues(EXPOSE, "swoole.task.ipc-mode=2", "swoole.task.worker-num=1")
            .run((context) -> {
                SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
                MessageQueue queue = SwooleTaskTestSupport.queue(context);
                Path tmpdir = this.root.resolve("tmp");
                String large = "x".repeat(20_000);
                for (int i = 1; i <= 3; i++) {
                    // worker 0 reads mtype 2 only: mtype 50 stays in the queue, its payload in a spill file
                    RawFrames.sendTask(queue, 50, i, large, tmpdir);
                }
                RawFrames.sendTask(queue, 50, 4, "small", tmpdir);
                assertThat(spillFiles(tmpdir)).hasSize(3);

                assertThat(endpoint.purge().removed()).isEqualTo(4);
                assertThat(queue.stats().messages()).isZero();
                assertThat(spillFiles(tmpdir)).as("spill files of purged tasks").isEmpty();
                assertThat(context.getBean(TaskWorkerPool.class).statistics().processedCount()).isZero();
            });
    }

    private static List<Path> spillFiles(Path tmpdir) throws IOException {
        try (Stream<Path> files = Files.list(tmpdir)) {
            return files.filter((file) -> file.getFileName().toString().startsWith(SpillFiles.PREFIX)).toList();
        }
    }

    @Test
    void pauseLetsTasksPileUpAndResumeDrainsThem() {
        // without batching every task is one message, so the depth counts tasks
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(CountingHandlerConfiguration.class)
            .withPropertyValues(EXPOSE, "swoole.task.batching.enabled=false")
            .run((context) -> {
                SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
                TaskTemplate template = context.getBean(TaskTemplate.class);
                AtomicInteger runs = context.getBean(CountingHandler.class).runs;
                pauseThroughTheEndpoint(context, endpoint);
                int count = 25;
                for (int i = 0; i < count; i++) {
                    template.dispatch("count", "task " + i);
                }
                SwooleTaskDescriptor piled = endpoint.describe();
                assertThat(piled.depth()).isEqualTo(count);
                assertThat(piled.workers().paused()).isEqualTo(2);
                assertThat(piled.workers().pauseRequested()).isTrue();
                assertThat(piled.totals().dispatched()).isEqualTo(count);
                assertThat(runs.get()).isZero();
                resumeThroughTheEndpoint(endpoint, runs, count);
            });
    }

    @Test
    void pauseAndResumeWithBatching() {
        // with batching (the default) a backlog makes the dispatcher pack tasks: the depth counts messages
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(CountingHandlerConfiguration.class)
            .withPropertyValues(EXPOSE)
            .run((context) -> {
                SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
                TaskTemplate template = context.getBean(TaskTemplate.class);
                AtomicInteger runs = context.getBean(CountingHandler.class).runs;
                pauseThroughTheEndpoint(context, endpoint);
                int count = 200;
                for (int i = 0; i < count; i++) {
                    template.dispatch("count", "task " + i);
                }
                context.getBean(TaskDispatcher.class).flush();
                SwooleTaskDescriptor piled = endpoint.describe();
                assertThat(piled.totals().dispatched()).isEqualTo(count);
                assertThat(piled.depth()).isBetween(1L, (long) count);
                assertThat(piled.depth()).isEqualTo(SwooleTaskTestSupport.queue(context).stats().messages());
                assertThat(runs.get()).isZero();
                resumeThroughTheEndpoint(endpoint, runs, count);
            });
    }

    private static void pauseThroughTheEndpoint(AssertableApplicationContext context, SwooleTaskEndpoint endpoint) {
        TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
        await("both workers to wait for tasks").atMost(SwooleTaskTestSupport.DEADLINE)
            .until(() -> pool.state(0) == WorkerState.RECEIVING && pool.state(1) == WorkerState.RECEIVING);
        SwooleTaskEndpoint.WorkersControl paused = endpoint.control("pause");
        assertThat(paused.action()).isEqualTo("pause");
        assertThat(paused.pauseRequested()).isTrue();
        await("both workers to pause").atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.pausedCount() == 2);
        await("the wake-up frames to be taken").atMost(SwooleTaskTestSupport.DEADLINE)
            .until(() -> endpoint.describe().depth() == 0);
    }

    private static void resumeThroughTheEndpoint(SwooleTaskEndpoint endpoint, AtomicInteger runs, int count) {
        SwooleTaskEndpoint.WorkersControl resumed = endpoint.control("RESUME");
        assertThat(resumed.action()).isEqualTo("resume");
        assertThat(resumed.pauseRequested()).isFalse();
        await("the piled-up tasks to run").atMost(SwooleTaskTestSupport.DEADLINE).until(() -> runs.get() == count);
        await("the queue to drain").atMost(SwooleTaskTestSupport.DEADLINE)
            .until(() -> endpoint.describe().depth() == 0);
        await("the totals to show them").atMost(SwooleTaskTestSupport.DEADLINE)
            .until(() -> endpoint.describe().totals().processed() == count);
        await("no worker to stay paused").atMost(SwooleTaskTestSupport.DEADLINE)
            .until(() -> endpoint.describe().workers().paused() == 0);
        assertThatExceptionOfType(InvalidEndpointRequestException.class)
            .isThrownBy(() -> endpoint.control("restart"))
            .withMessageContaining("pause or resume");
    }

    @Test
    void isReadOnlyByDefault() {
        Endpoint annotation = SwooleTaskEndpoint.class.getAnnotation(Endpoint.class);
        assertThat(annotation.id()).isEqualTo("swooletask");
        assertThat(annotation.defaultAccess()).isEqualTo(Access.READ_ONLY);

        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues(EXPOSE)
            .run((context) -> {
                ExposableWebEndpoint endpoint = discover(context);
                assertThat(endpoint.getDefaultAccess()).isEqualTo(Access.READ_ONLY);
                assertThat(endpoint.getOperations()).extracting(WebOperation::getType)
                    .containsExactly(OperationType.READ);
                WebOperation read = endpoint.getOperations().iterator().next();
                assertThat(read.getRequestPredicate().getPath()).isEqualTo("swooletask");
                assertThat(read.getRequestPredicate().getHttpMethod()).isEqualTo(WebEndpointHttpMethod.GET);
            });
    }

    @Test
    void unrestrictedAccessAddsPauseResumeAndPurge() {
        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues(EXPOSE, "management.endpoint.swooletask.access=UNRESTRICTED")
            .run((context) -> {
                Collection<WebOperation> operations = discover(context).getOperations();
                assertThat(operations).extracting(WebOperation::getType).containsExactlyInAnyOrder(OperationType.READ,
                        OperationType.WRITE, OperationType.WRITE, OperationType.WRITE, OperationType.DELETE);
                assertThat(operations).filteredOn((operation) -> operation.getType() == OperationType.WRITE)
                    .extracting((operation) -> operation.getRequestPredicate().getPath())
                    .containsExactlyInAnyOrder("swooletask/{action}", "swooletask/{target}/{action}",
                            "swooletask/{target}/{id}/{action}");
                WebOperation write = operations.stream()
                    .filter((operation) -> operation.getRequestPredicate().getPath().equals("swooletask/{action}"))
                    .findFirst()
                    .orElseThrow();
                assertThat(write.getRequestPredicate().getHttpMethod()).isEqualTo(WebEndpointHttpMethod.POST);
                WebOperation delete = operation(operations, OperationType.DELETE);
                assertThat(delete.getRequestPredicate().getPath()).isEqualTo("swooletask");
                assertThat(delete.getRequestPredicate().getHttpMethod()).isEqualTo(WebEndpointHttpMethod.DELETE);

                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                write.invoke(new InvocationContext(SecurityContext.NONE, Map.of("action", "pause")));
                assertThat(pool.isPaused()).isTrue();
                write.invoke(new InvocationContext(SecurityContext.NONE, Map.of("action", "resume")));
                assertThat(pool.isPaused()).isFalse();
                Object purged = delete.invoke(new InvocationContext(SecurityContext.NONE, Map.of()));
                assertThat(purged).isEqualTo(new SwooleTaskEndpoint.PurgeResult(0));
            });
    }

    @Test
    void describesTheUnixSocketInMode1() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(CountingHandlerConfiguration.class)
            .withPropertyValues(EXPOSE, "swoole.task.ipc-mode=unix-socket")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                SwooleTaskDescriptor descriptor = context.getBean(SwooleTaskEndpoint.class).describe();
                assertThat(descriptor.mode()).isEqualTo(new SwooleTaskEndpoint.Mode(1, "unix-socket"));
                assertThat(descriptor.key()).isEqualTo(this.root.resolve("tmp").resolve("swoole-task-application.sock").toString());
                assertThat(descriptor.queueId()).isEqualTo(-1);
                assertThat(descriptor.depth()).isZero();
                assertThat(descriptor.error()).isNull();
                Object result = context.getBean(TaskTemplate.class).call("count", "over the socket")
                    .handle((value, failure) -> (failure != null) ? failure.getClass().getSimpleName() : value)
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(result).isEqualTo(1);
            });
    }

    @Test
    void readOperationIsJsonWithTheContractFields() {
        SwooleTaskTestSupport.runner(this.root)
            .withConfiguration(AutoConfigurations.of(JacksonEndpointAutoConfiguration.class))
            .withUserConfiguration(CountingHandlerConfiguration.class)
            .withPropertyValues(EXPOSE)
            .run((context) -> {
                TaskTemplate template = context.getBean(TaskTemplate.class);
                template.call("count", "one").get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                SwooleTaskDescriptor descriptor = context.getBean(SwooleTaskEndpoint.class).describe();
                String json = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(descriptor);
                System.out.println("swooletask endpoint JSON: " + json);
                JsonNode node = context.getBean(EndpointJsonMapper.class).get().readTree(json);
                assertThat(node.propertyNames()).containsExactly("mode", "wireFormat", "key", "queueId", "permissions",
                        "depth", "bytes", "capacity", "lastSenderPid", "lastReceiverPid", "workers", "handlers",
                        "totals", "deadLetters", "kernel", "problems");
                assertThat(node.get("deadLetters").propertyNames()).containsExactly("location", "count");
                assertThat(node.get("handlers").get(0).propertyNames()).as("no reserved workers: no reservedRunning")
                    .containsExactly("id", "name", "method", "concurrency", "retry");
                assertThat(node.get("problems").isEmpty()).isTrue();
                assertThat(node.get("wireFormat").asString()).isEqualTo("swoole-1.7");
                assertThat(node.get("mode").get("number").asInt()).isEqualTo(3);
                assertThat(node.get("mode").get("name").asString()).isEqualTo("msgqueue-preemptive");
                assertThat(node.get("workers").propertyNames()).contains("total", "active", "paused", "dead", "replaced");
                assertThat(node.get("workers").get("total").asInt()).isEqualTo(2);
                assertThat(node.get("totals").propertyNames()).containsExactly("dispatched", "processed", "failed",
                        "rejected", "replies");
                assertThat(node.get("totals").get("replies").propertyNames()).containsExactly("sent", "refused",
                        "undeliverable");
                assertThat(node.get("totals").get("dispatched").asLong()).isEqualTo(1);
                assertThat(node.get("totals").get("processed").asLong()).isEqualTo(1);
                KernelLimits limits = KernelLimits.read();
                assertThat(node.get("kernel").get("msgmax").asLong()).isEqualTo(limits.msgmax());
                assertThat(node.get("kernel").get("msgmnb").asLong()).isEqualTo(limits.msgmnb());
                assertThat(node.get("kernel").get("msgmni").asLong()).isEqualTo(limits.msgmni());
            });
    }

    @Test
    void listsTheHandlersWithTheirNamesWorkersRetrySendToAndBatchSize() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean("handlers", Handlers.class)
            .withPropertyValues(EXPOSE)
            .run((context) -> {
                SwooleTaskEndpoint endpoint = context.getBean(SwooleTaskEndpoint.class);
                TaskOperations tasks = context.getBean(TaskOperations.class);
                tasks.dispatch("report", "monday");
                tasks.dispatch("report", "tuesday");
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> endpoint.describe().handlers().get(2)
                    .waiting() == 2);
                assertThat(endpoint.describe().handlers()).containsExactly(
                        new Handler("digest", "digest", "Handlers.digest", 1, true, 0, "swoole.task.retry", null, 20),
                        new Handler("handlers.fromPhp", null, "Handlers.fromPhp", 0, null, null, "swoole.task.retry",
                                null, null),
                        new Handler("handlers.report", "report", "Handlers.report", 1, false, 2, "swoole.task.retry",
                                "report.done", null),
                        new Handler("mail", "mail", "Handlers.mail", 0, null, null, "@Retryable", null, null));
                context.getBean(TaskWorkerPool.class).startReserved("handlers.report");
                assertThat(endpoint.describe().handlers()).extracting(Handler::reservedRunning)
                    .containsExactly(true, null, true, null);
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> endpoint.describe().handlers().get(2)
                    .waiting() == 0);
            });
    }

    @Test
    void startsAndStopsTheReservedWorkersOfOneHandler() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean("handlers", Handlers.class)
            .withPropertyValues(EXPOSE, "management.endpoint.swooletask.access=UNRESTRICTED",
                    "swoole.task.shutdown-timeout=2s")
            .run((context) -> {
                WebOperation handlers = discover(context).getOperations().stream()
                    .filter((operation) -> operation.getRequestPredicate().getPath()
                        .equals("swooletask/{target}/{id}/{action}"))
                    .findFirst()
                    .orElseThrow();
                assertThat(handlers.getRequestPredicate().getHttpMethod()).isEqualTo(WebEndpointHttpMethod.POST);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                assertThat(pool.isReservedRunning("handlers.report")).as("autoStartup false").isFalse();
                assertThat(invoke(handlers, "handlers", "handlers.report", "start"))
                    .isEqualTo(new SwooleTaskEndpoint.HandlerControl("handlers.report", "start", true, List.of()));
                assertThat(pool.isReservedRunning("handlers.report")).isTrue();
                assertThat(context.getBean(TaskOperations.class).<String>call("report", "monday")
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("monday");
                assertThat(invoke(handlers, "handlers", "handlers.report", "STOP"))
                    .isEqualTo(new SwooleTaskEndpoint.HandlerControl("handlers.report", "stop", false, List.of()));
                assertThat(pool.isReservedRunning("handlers.report")).isFalse();

                assertThatThrownBy(() -> invoke(handlers, "handlers", "mail", "stop"))
                    .isInstanceOf(InvalidEndpointRequestException.class)
                    .hasMessageContaining("Task handler 'mail' runs on the shared workers");
                assertThatThrownBy(() -> invoke(handlers, "handlers", "nobody", "start"))
                    .isInstanceOf(InvalidEndpointRequestException.class)
                    .hasMessage("No task handler has the id 'nobody' (the ids: [digest, handlers.fromPhp,"
                            + " handlers.report, mail])");
                assertThatThrownBy(() -> invoke(handlers, "handlers", "handlers.report", "restart"))
                    .isInstanceOf(InvalidEndpointRequestException.class)
                    .hasMessage("Unknown action 'restart': use start or stop");
                assertThatThrownBy(() -> invoke(handlers, "workers", "handlers.report", "start"))
                    .isInstanceOf(InvalidEndpointRequestException.class)
                    .hasMessageContaining("use handlers/{id}/start or handlers/{id}/stop");
                assertThat(pool.isReservedRunning("handlers.report")).isFalse();
            });
    }

    private static Object invoke(WebOperation operation, String target, String id, String action) {
        return operation.invoke(new InvocationContext(SecurityContext.NONE, Map.of("target", target, "id", id,
                "action", action)));
    }

    private static ExposableWebEndpoint discover(AssertableApplicationContext context) {
        WebEndpointDiscoverer discoverer = new WebEndpointDiscoverer(context,
                new ConversionServiceParameterValueMapper(), EndpointMediaTypes.DEFAULT, List.of(), List.of(),
                List.of(), List.of(), List.of(OperationFilter.byAccess(context.getBean(EndpointAccessResolver.class))));
        return discoverer.getEndpoints().stream()
            .filter((endpoint) -> endpoint.getEndpointId().equals(EndpointId.of("swooletask")))
            .findFirst()
            .orElseThrow();
    }

    private static WebOperation operation(Collection<WebOperation> operations, OperationType type) {
        return operations.stream().filter((operation) -> operation.getType() == type).findFirst().orElseThrow();
    }

    @Configuration(proxyBeanMethods = false)
    static class CountingHandlerConfiguration {

        @Bean
        CountingHandler countingHandler() {
            return new CountingHandler();
        }
    }

    static class Handlers {

        @TaskHandler
        public void fromPhp(Object payload) {
        }

        @TaskHandler(name = "mail", id = "mail")
        @Retryable(maxRetries = 5)
        public void mail(String to) {
        }

        @TaskHandler(name = "digest", id = "digest", batchSize = "20")
        public void digest(List<String> lines) {
        }

        @TaskHandler(name = "report", concurrency = "1", autoStartup = "false")
        @SendTo("report.done")
        public String report(String day) {
            return day;
        }
    }

    static class CountingHandler {

        final AtomicInteger runs = new AtomicInteger();

        @TaskHandler("count")
        public int count(String payload) {
            return this.runs.incrementAndGet();
        }
    }
}
