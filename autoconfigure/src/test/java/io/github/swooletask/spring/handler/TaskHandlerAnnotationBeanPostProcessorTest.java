package io.github.swooletask.spring.handler;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
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
        beans.registerSingleton("taskPayloadConverter", new TaskPayloadConverter(JsonMapper.builder().build()));
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

    static class TwoPayloads {

        @TaskHandler("two")
        public void two(String a, String b) {
        }
    }
}
