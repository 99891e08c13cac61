package io.github.swooletask.spring.handler;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.RootBeanDefinition;

import io.github.swooletask.spring.TaskHandler;

import static org.assertj.core.api.Assertions.assertThat;

/** Which beans stay out of lazy initialization. */
class TaskHandlerLazyInitializationExcludeFilterTest {

    private final TaskHandlerLazyInitializationExcludeFilter filter = new TaskHandlerLazyInitializationExcludeFilter();

    @Test
    void beansWithHandlerMethodsAreExcludedOthersAreNot() {
        assertThat(excluded(Handlers.class)).isTrue();
        assertThat(excluded(InheritedHandlers.class)).isTrue();
        assertThat(excluded(MetaAnnotated.class)).isTrue();
        assertThat(excluded(Plain.class)).isFalse();
        assertThat(this.filter.isExcluded("unknown", new RootBeanDefinition(), null)).isFalse();
    }

    private boolean excluded(Class<?> type) {
        return this.filter.isExcluded(type.getSimpleName(), new RootBeanDefinition(type), type);
    }

    static class Handlers {

        @TaskHandler("a")
        void handle(String text) {
        }
    }

    static class InheritedHandlers extends Handlers {
    }

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @TaskHandler(name = "meta")
    @interface MetaHandler {
    }

    static class MetaAnnotated {

        @MetaHandler
        void handle(String text) {
        }
    }

    static class Plain {

        void handle(String text) {
        }
    }
}
