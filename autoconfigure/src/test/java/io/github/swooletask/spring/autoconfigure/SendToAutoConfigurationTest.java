package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.messaging.handler.annotation.SendTo;
import reactor.core.publisher.Mono;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHandlerConfigurer;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskSource;
import io.github.swooletask.spring.handler.TaskHandlerEndpoint;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.transport.QueueFullException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Handlers whose results go on as tasks ({@code @SendTo}), in contexts on an in-memory transport with one worker, so
 * that tasks run in the order they were queued: a marker task sent after the one under test shows, once it ran,
 * whether anything went on before it.
 */
class SendToAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20);
    }

    private static final Thumbnail MARKER = new Thumbnail("marker", 0);

    @Test
    void aResultNobodyWaitsForGoesOnAsATaskOfTheNameSendToGives() {
        runner().withBean(Pipeline.class).run((context) -> {
            assertThat(context).hasNotFailed();
            Pipeline pipeline = context.getBean(Pipeline.class);
            context.getBean(TaskOperations.class).dispatch("resize", new Request("cat.png", 120));
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !pipeline.stored.isEmpty());
            assertThat(pipeline.stored).containsExactly(new Thumbnail("cat.png", 120));
            assertThat(pipeline.contexts).singleElement().satisfies((next) -> {
                assertThat(next.route()).isEqualTo("store");
                assertThat(next.source()).isEqualTo(TaskSource.LOCAL);
            });
            assertThat(context.getBean(TaskHandlerRegistry.class).find("resize").sendTo()).isEqualTo("store");
        });
    }

    @Test
    void aCallerThatWaitsGetsTheResultInsteadAndANullResultGoesNowhere() {
        runner().withBean(Pipeline.class).run((context) -> {
            Pipeline pipeline = context.getBean(Pipeline.class);
            TaskOperations tasks = context.getBean(TaskOperations.class);
            Thumbnail made = tasks.<Thumbnail>call("resize", new Request("dog.png", 60)).get(10, TimeUnit.SECONDS);
            assertThat(made).isEqualTo(new Thumbnail("dog.png", 60));
            tasks.dispatch("nothing", new Request("none.png", 1));
            tasks.dispatch("store", MARKER);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !pipeline.stored.isEmpty());
            assertThat(pipeline.stored).as("queued after both: nothing went on before it").containsExactly(MARKER);
        });
    }

    @Test
    void sendToOnTheClassWithAPlaceholderAndAMonoResult() {
        runner().withPropertyValues("pipeline.next=store").withBean(Pipeline.class).withBean(ClassWide.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                Pipeline pipeline = context.getBean(Pipeline.class);
                TaskOperations tasks = context.getBean(TaskOperations.class);
                tasks.dispatch("plain", "owl.png");
                tasks.dispatch("later", "bat.png");
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pipeline.stored.size() == 2);
                assertThat(pipeline.stored).containsExactly(new Thumbnail("owl.png", 10), new Thumbnail("bat.png", 20));
                TaskHandlerRegistry registry = context.getBean(TaskHandlerRegistry.class);
                assertThat(registry.find("plain").sendTo()).as("the class's, placeholder resolved").isEqualTo("store");
                assertThat(registry.find("later").sendTo()).as("the method's wins").isEqualTo("store");
            });
    }

    @Test
    void anEndpointSendsAFunctionsResultOn() {
        List<String> shouted = new CopyOnWriteArrayList<>();
        runner().withBean("configurer", TaskHandlerConfigurer.class, () -> (registrar) -> registrar
            .register(TaskHandlerEndpoint.function(String.class, String::toUpperCase).name("upper").sendTo(" shout "))
            .register(TaskHandlerEndpoint.function(String.class, shouted::add).name("shout")))
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskOperations.class).dispatch("upper", "quiet");
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !shouted.isEmpty());
                assertThat(shouted).containsExactly("QUIET");
            });
        assertThatIllegalArgumentException().isThrownBy(() -> TaskHandlerEndpoint.function(String.class, String::trim)
            .sendTo(" ")).withMessageContaining("a task name must be 1 to 255 bytes");
    }

    @Test
    void aResultThatCannotGoOnFailsItsTaskWhichTheRecovererGets() {
        List<FailedTask> failed = new CopyOnWriteArrayList<>();
        SwooleTaskTestSupport.inMemoryRunner(this.tmp, 512)
            .withPropertyValues("swoole.task.full-queue-policy=fail", "swoole.task.batching.enabled=false")
            .withBean(Filling.class)
            .withBean(TaskRecoverer.class, () -> (task) -> {
                failed.add(task);
                return "kept";
            })
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskOperations.class).dispatch("fill", "go");
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !failed.isEmpty());
                assertThat(failed).singleElement().satisfies((task) -> {
                    assertThat(task.route()).isEqualTo("fill");
                    assertThat(task.failure()).isInstanceOf(QueueFullException.class);
                });
                Filling filling = context.getBean(Filling.class);
                assertThat(filling.runs).as("no retries here: one run").hasSize(1);
            });
    }

    @Test
    void sendToThatCannotWorkFailsTheStartupNamingTheMethod() {
        runner().withBean(VoidSendTo.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("VoidSendTo.log(java.lang.String) returns void, so its @SendTo(\"next\") has no"
                    + " result to send"));
        runner().withBean(TwoTargets.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has @SendTo with 2 names, but a result goes on as one task"));
        runner().withBean(NoTarget.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has @SendTo without a task name"));
        runner().withBean(BrokenExpression.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("BrokenExpression.expression(java.lang.String) has @SendTo(\"!{result.}\"),"
                    + " which is no SpEL template"));
        runner().withBean(ClassWide.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("cannot resolve its @SendTo '${pipeline.next}'"));
        runner().withPropertyValues("swoole.task.wire-format=swoole-6.1").withBean(Pipeline.class)
            .run((context) -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("Pipeline.resize(")
                .hasStackTraceContaining("task names cannot travel in wire format swoole-6.1")
                .hasStackTraceContaining("set swoole.task.wire-format=swoole-1.7, or remove @SendTo"));
    }

    @Test
    void aPerResultExpressionNamesTheNextTaskFromTheResultThePayloadOrTheTask() {
        runner().withBean(Sorting.class).run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            tasks.dispatch("sort", new Request("big.png", 800));
            tasks.dispatch("sort", new Request("tiny.png", 16));
            tasks.dispatch("echo", "hello");
            Sorting sorting = context.getBean(Sorting.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> sorting.seen.size() == 3);
            assertThat(sorting.seen).containsExactlyInAnyOrder("large big.png", "small tiny.png", "echo.done hello");
            assertThat(context.getBean(TaskHandlerRegistry.class).find("sort").sendTo())
                .isEqualTo("!{result.width > 100 ? 'large' : 'small'}");
        });
    }

    @Test
    void anExpressionThatGivesNoNameFailsItsTaskWhichTheRecovererGets() {
        List<FailedTask> recovered = new CopyOnWriteArrayList<>();
        runner().withBean(Sorting.class).withBean(TaskRecoverer.class, () -> (task) -> {
            recovered.add(task);
            return "kept";
        }).run((context) -> {
            int id = context.getBean(TaskOperations.class).dispatch("nameless", "x");
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> !recovered.isEmpty());
            assertThat(recovered.get(0).failure()).hasMessage("@SendTo(\"!{payload == 'x' ? '' : 'echo'}\") gave ''"
                    + " for task " + id + ", which is no task name: a task name must be 1 to 255 bytes of UTF-8, '' is 0");
        });
    }

    @Test
    void aBatchHandlersResultsEachGoWhereTheirExpressionSays() {
        runner().withBean(Sorting.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            tasks.dispatch("words", "large");
            tasks.dispatch("words", "small");
            Sorting sorting = context.getBean(Sorting.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> sorting.seen.size() == 2);
            assertThat(sorting.seen).containsExactlyInAnyOrder("large LARGE", "small SMALL");
        });
    }

    record Request(String image, int width) {
    }

    static class Sorting {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @TaskHandler("sort")
        @SendTo("!{result.width > 100 ? 'large' : 'small'}")
        public Thumbnail sort(Request request) {
            return new Thumbnail(request.image(), request.width());
        }

        @TaskHandler("echo")
        @SendTo("!{task.route}.done")
        public String echo(String text) {
            return text;
        }

        @TaskHandler("nameless")
        @SendTo("!{payload == 'x' ? '' : 'echo'}")
        public String nameless(String text) {
            return text;
        }

        @TaskHandler(name = "words", batchSize = "10")
        @SendTo("!{payload}")
        public List<String> words(List<String> words) {
            return words.stream().map((word) -> word.toUpperCase(Locale.ROOT)).toList();
        }

        @TaskHandler("large")
        public void large(Object thing) {
            this.seen.add("large " + text(thing));
        }

        @TaskHandler("small")
        public void small(Object thing) {
            this.seen.add("small " + text(thing));
        }

        @TaskHandler("echo.done")
        public void done(String text) {
            this.seen.add("echo.done " + text);
        }

        private static String text(Object thing) {
            return (thing instanceof Map<?, ?> map) ? String.valueOf(map.get("image")) : String.valueOf(thing);
        }
    }

    record Thumbnail(String image, int width) {
    }

    static class Pipeline {

        final List<Thumbnail> stored = new CopyOnWriteArrayList<>();

        final List<TaskContext> contexts = new CopyOnWriteArrayList<>();

        @TaskHandler("resize")
        @SendTo("store")
        public Thumbnail resize(Request request) {
            return new Thumbnail(request.image(), request.width());
        }

        @TaskHandler("nothing")
        @SendTo("store")
        public Thumbnail nothing(Request request) {
            return null;
        }

        @TaskHandler("store")
        public void store(Thumbnail thumbnail, TaskContext context) {
            this.stored.add(thumbnail);
            this.contexts.add(context);
        }
    }

    @SendTo("${pipeline.next}")
    static class ClassWide {

        @TaskHandler("plain")
        public Thumbnail plain(String image) {
            return new Thumbnail(image, 10);
        }

        @TaskHandler("later")
        @SendTo("store")
        public Mono<Thumbnail> later(String image) {
            return Mono.fromSupplier(() -> new Thumbnail(image, 20));
        }
    }

    /** Fills the queue before it returns, so its result finds no room. */
    static class Filling {

        final List<String> runs = new CopyOnWriteArrayList<>();

        private final TaskOperations tasks;

        Filling(TaskOperations tasks) {
            this.tasks = tasks;
        }

        @TaskHandler("fill")
        @SendTo("filler")
        public String fill(String payload) {
            this.runs.add(payload);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    this.tasks.dispatch("filler", "x");
                }
                catch (QueueFullException ex) {
                    return "result";
                }
            }
            throw new AssertionError("the queue never filled");
        }

        @TaskHandler("filler")
        public void filler(String payload) {
        }
    }

    static class VoidSendTo {

        @TaskHandler("log")
        @SendTo("next")
        public void log(String line) {
        }
    }

    static class TwoTargets {

        @TaskHandler("two")
        @SendTo({ "a", "b" })
        public String two(String payload) {
            return payload;
        }
    }

    static class NoTarget {

        @TaskHandler("none")
        @SendTo
        public String none(String payload) {
            return payload;
        }
    }

    static class BrokenExpression {

        @TaskHandler("expression")
        @SendTo("!{result.}")
        public String expression(String payload) {
            return payload;
        }
    }
}
