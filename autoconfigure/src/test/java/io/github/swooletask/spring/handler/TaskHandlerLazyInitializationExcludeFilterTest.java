package io.github.swooletask.spring.handler;

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

    static class Plain {

        void handle(String text) {
        }
    }
}
