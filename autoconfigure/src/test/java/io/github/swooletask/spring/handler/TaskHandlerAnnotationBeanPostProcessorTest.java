package io.github.swooletask.spring.handler;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.expression.StandardBeanExpressionResolver;
import org.springframework.core.annotation.AliasFor;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** {@link TaskHandlerAnnotationBeanPostProcessor} on beans as Spring hands them over, without a context. */
class TaskHandlerAnnotationBeanPostProcessorTest {

    private final TaskHandlerRegistry registry = new TaskHandlerRegistry();

    private final TaskHandlerAnnotationBeanPostProcessor processor;

    TaskHandlerAnnotationBeanPostProcessorTest() {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("taskHandlerRegistry", this.registry);
        beans.registerSingleton("taskPayloadConverter", new DefaultTaskPayloadConverter(JsonMapper.builder().build()));
        this.processor = new TaskHandlerAnnotationBeanPostProcessor(beans.getBeanProvider(TaskHandlerRegistry.class),
                beans.getBeanProvider(TaskPayloadConverter.class));
    }

    @Test
    void findsEveryHandlerMethodUnderItsName() {
        Mail mail = new Mail();
        assertThat(this.processor.postProcessAfterInitialization(mail, "mail")).isSameAs(mail);
        assertThat(this.registry.handlers()).hasSize(3);
        assertThat(this.registry.find(null)).satisfies((handler) -> {
            assertThat(handler.method().getName()).isEqualTo("anything");
            assertThat(handler.route()).isEmpty();
            assertThat(handler.wantsContext()).isTrue();
        });
        assertThat(this.registry.find("mail.send")).satisfies((handler) -> {
            assertThat(handler.displayName()).isEqualTo("Mail.send");
            assertThat(handler.wantsContext()).isFalse();
        });
        assertThat(this.registry.find("mail.report")).as("the name is trimmed").isNotNull()
            .extracting((handler) -> handler.method().getName()).isEqualTo("report");
        assertThat(this.registry.find("notAHandler")).isNull();
    }

    @Test
    void aBeanWithoutHandlersIsLeftAlone() {
        Object plain = new Object();
        assertThat(this.processor.postProcessAfterInitialization(plain, "plain")).isSameAs(plain);
        assertThat(this.processor.postProcessAfterInitialization(new Object(), "again")).isNotNull();
        assertThat(this.registry.isEmpty()).isTrue();
    }

    @Test
    void twoHandlersForOneNameFailNamingBothMethods() {
        this.processor.postProcessAfterInitialization(new Mail(), "mail");
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new OtherMail(), "otherMail"))
            .withMessageContaining("Two @TaskHandler methods claim the task name 'mail.send'")
            .withMessageContaining("Mail.send(java.lang.String)")
            .withMessageContaining("OtherMail.sendToo(java.lang.String)");
    }

    @Test
    void twoDefaultHandlersFailNamingBothMethods() {
        this.processor.postProcessAfterInitialization(new Mail(), "mail");
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new SecondDefault(), "secondDefault"))
            .withMessageContaining("Two @TaskHandler methods claim the default route")
            .withMessageContaining("Mail.anything").withMessageContaining("SecondDefault.alsoDefault");
    }

    @Test
    void aStaticHandlerMethodIsRefused() {
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new StaticHandler(), "static"))
            .withMessageContaining("StaticHandler.onTask(java.lang.String) is static")
            .withMessageContaining("task handlers are instance methods of beans");
        assertThat(this.registry.isEmpty()).isTrue();
    }

    @Test
    void aHandlerWithTwoPayloadsIsRefused() {
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new TwoPayloads(), "twoPayloads"))
            .withMessageContaining("declares more than one payload parameter");
    }

    @Test
    void idsDefaultToBeanNameAndMethodNameWithParameterTypesForOverloads() {
        this.processor.postProcessAfterInitialization(new Mail(), "mailer");
        this.processor.postProcessAfterInitialization(new Overloads(), "overloads");
        assertThat(this.registry.find("mail.send").id()).isEqualTo("mailer.send");
        assertThat(this.registry.find(null).id()).isEqualTo("mailer.anything");
        assertThat(this.registry.find("text").id()).isEqualTo("overloads.handle(String)");
        assertThat(this.registry.find("bytes").id()).isEqualTo("overloads.handle(byte[])");
        assertThat(this.registry.findById("mailer.report")).isSameAs(this.registry.find("mail.report"));
        assertThat(this.registry.handlers()).allSatisfy((handler) -> {
            assertThat(handler.concurrency()).as("shared workers").isZero();
            assertThat(handler.autoStartup()).isTrue();
        });
    }

    @Test
    void twoHandlersWithOneIdFailNamingBothMethods() {
        this.processor.postProcessAfterInitialization(new Identified(), "identified");
        assertThat(this.registry.findById("resizer")).isNotNull()
            .extracting(TaskHandlerMethod::route).isEqualTo("resize");
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new SameId(), "sameId"))
            .withMessageContaining("Two @TaskHandler methods have the id 'resizer'")
            .withMessageContaining("Identified.resize(java.lang.String)")
            .withMessageContaining("SameId.crop(java.lang.String)")
            .withMessageContaining("@TaskHandler(id = \"...\")");
        assertThat(this.registry.find("crop")).as("nothing of the refused handler is registered").isNull();
    }

    @Test
    void concurrencyAndAutoStartupAreParsed() {
        this.processor.postProcessAfterInitialization(new Reserved(), "reserved");
        assertThat(this.registry.find("two")).satisfies((handler) -> {
            assertThat(handler.concurrency()).isEqualTo(2);
            assertThat(handler.autoStartup()).isFalse();
        });
        assertThat(this.registry.find("zero").concurrency()).as("0: the shared workers").isZero();
        assertThat(this.registry.find("zero").autoStartup()).isTrue();
    }

    @Test
    void handlersWithoutAutoStartupFollowTheApplicationsDefault() {
        TaskHandlerRegistry registry = new TaskHandlerRegistry();
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("taskHandlerRegistry", registry);
        beans.registerSingleton("taskPayloadConverter", new DefaultTaskPayloadConverter(JsonMapper.builder().build()));
        new TaskHandlerAnnotationBeanPostProcessor(beans.getBeanProvider(TaskHandlerRegistry.class),
                beans.getBeanProvider(TaskPayloadConverter.class), false)
            .postProcessAfterInitialization(new Reserved(), "reserved");
        assertThat(registry.find("zero").autoStartup()).as("no autoStartup of its own").isFalse();
        assertThat(registry.find("started").autoStartup()).as("autoStartup = \"true\"").isTrue();
    }

    @Test
    void badConcurrencyFailsNamingTheMethod() {
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new BadConcurrency(), "bad"))
            .withMessageContaining("BadConcurrency.resize(java.lang.String) has concurrency 'many'")
            .withMessageContaining("give the number of workers reserved for it (1 or more)");
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new NegativeConcurrency(), "negative"))
            .withMessageContaining("NegativeConcurrency.resize(java.lang.String) has concurrency '-1'");
        assertThatIllegalStateException()
            .isThrownBy(() -> this.processor.postProcessAfterInitialization(new BadAutoStartup(), "badStart"))
            .withMessageContaining("BadAutoStartup.resize(java.lang.String) has autoStartup 'later'")
            .withMessageContaining("give true or false");
        assertThat(this.registry.isEmpty()).isTrue();
    }

    @Test
    void aMetaAnnotationMakesHandlersAndOverridesAttributesThroughAliases() {
        this.processor.postProcessAfterInitialization(new Thumbnails(), "thumbnails");
        assertThat(this.registry.find("thumbnail")).satisfies((handler) -> {
            assertThat(handler.method().getName()).isEqualTo("small");
            assertThat(handler.id()).isEqualTo("thumbnails.small");
            assertThat(handler.concurrency()).as("the meta-annotation's own").isEqualTo(1);
        });
        assertThat(this.registry.find("thumbnail.large")).satisfies((handler) -> {
            assertThat(handler.method().getName()).isEqualTo("large");
            assertThat(handler.id()).isEqualTo("large-thumbnails");
            assertThat(handler.concurrency()).as("through @AliasFor").isEqualTo(3);
        });
    }

    @Test
    void placeholdersAndExpressionsResolveThroughTheBeanFactory() {
        TaskHandlerRegistry registry = new TaskHandlerRegistry();
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("taskHandlerRegistry", registry);
        beans.registerSingleton("taskPayloadConverter", new DefaultTaskPayloadConverter(JsonMapper.builder().build()));
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of("queue.name", "resize",
                "resize.workers", "4", "resize.start", "false")));
        beans.addEmbeddedValueResolver(environment::resolveRequiredPlaceholders);
        beans.setBeanExpressionResolver(new StandardBeanExpressionResolver());
        TaskHandlerAnnotationBeanPostProcessor processor = new TaskHandlerAnnotationBeanPostProcessor(
                beans.getBeanProvider(TaskHandlerRegistry.class), beans.getBeanProvider(TaskPayloadConverter.class));
        processor.setBeanFactory(beans);
        processor.postProcessAfterInitialization(new Placeholders(), "placeholders");
        assertThat(registry.find("resize")).satisfies((handler) -> {
            assertThat(handler.id()).isEqualTo("resize-handler");
            assertThat(handler.concurrency()).isEqualTo(4);
            assertThat(handler.autoStartup()).isFalse();
        });
        assertThat(registry.find("computed-6")).as("#{...}").satisfies((handler) -> {
            assertThat(handler.concurrency()).as("an expression's number").isEqualTo(3);
            assertThat(handler.id()).as("a default in the placeholder").isEqualTo("fallback");
        });
    }

    static class Mail {

        @TaskHandler
        public void anything(Object payload, TaskContext context) {
        }

        @TaskHandler("mail.send")
        public void send(String to) {
        }

        @TaskHandler(" mail.report ")
        public void report(byte[] pdf) {
        }

        public void notAHandler(String text) {
        }
    }

    static class OtherMail {

        @TaskHandler("mail.send")
        public void sendToo(String to) {
        }
    }

    static class SecondDefault {

        @TaskHandler
        public void alsoDefault(String text) {
        }
    }

    static class StaticHandler {

        @TaskHandler
        public static void onTask(String text) {
        }
    }

    static class Overloads {

        @TaskHandler("text")
        public void handle(String text) {
        }

        @TaskHandler("bytes")
        public void handle(byte[] bytes) {
        }
    }

    static class Identified {

        @TaskHandler(name = "resize", id = "resizer")
        public void resize(String image) {
        }
    }

    static class SameId {

        @TaskHandler(name = "crop", id = " resizer ")
        public void crop(String image) {
        }
    }

    static class Reserved {

        @TaskHandler(name = "two", concurrency = " 2 ", autoStartup = "FALSE")
        public void two(String text) {
        }

        @TaskHandler(name = "zero", concurrency = "0")
        public void zero(String text) {
        }

        @TaskHandler(name = "started", autoStartup = "true")
        public void started(String text) {
        }
    }

    static class BadConcurrency {

        @TaskHandler(name = "resize", concurrency = "many")
        public void resize(String image) {
        }
    }

    static class NegativeConcurrency {

        @TaskHandler(name = "resize", concurrency = "-1")
        public void resize(String image) {
        }
    }

    static class BadAutoStartup {

        @TaskHandler(name = "resize", autoStartup = "later")
        public void resize(String image) {
        }
    }

    /** An application's own handler annotation: "thumbnail" tasks, one reserved worker unless it says otherwise. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @TaskHandler(name = "thumbnail", concurrency = "1")
    @interface ThumbnailHandler {

        @AliasFor(annotation = TaskHandler.class, attribute = "name")
        String value() default "thumbnail";

        @AliasFor(annotation = TaskHandler.class, attribute = "id")
        String id() default "";

        @AliasFor(annotation = TaskHandler.class, attribute = "concurrency")
        String workers() default "1";
    }

    static class Thumbnails {

        @ThumbnailHandler
        public void small(String image) {
        }

        @ThumbnailHandler(value = "thumbnail.large", id = "large-thumbnails", workers = "3")
        public void large(String image) {
        }
    }

    static class Placeholders {

        @TaskHandler(name = "${queue.name}", id = "${queue.name}-handler", concurrency = "${resize.workers}",
                autoStartup = "${resize.start}")
        public void resize(String image) {
        }

        @TaskHandler(name = "computed-#{2 * 3}", id = "${missing.id:fallback}", concurrency = "#{1 + 2}")
        public void computed(String image) {
        }
    }

    static class TwoPayloads {

        @TaskHandler("two")
        public void two(String a, String b) {
        }
    }
}
