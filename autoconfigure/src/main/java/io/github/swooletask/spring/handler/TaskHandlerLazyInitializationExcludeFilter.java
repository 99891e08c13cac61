package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

import io.github.swooletask.spring.TaskHandler;

/**
 * Keeps beans with {@code @TaskHandler} methods (directly or through a meta-annotation) out of
 * {@code spring.main.lazy-initialization}: a lazy handler bean would never be created, and every task meant for it
 * would be rejected as having no handler.
 */
public final class TaskHandlerLazyInitializationExcludeFilter implements LazyInitializationExcludeFilter {

    private final Map<Class<?>, Boolean> handlerTypes = new ConcurrentHashMap<>();

    @Override
    public boolean isExcluded(String beanName, BeanDefinition beanDefinition, @Nullable Class<?> beanType) {
        return beanType != null && this.handlerTypes.computeIfAbsent(ClassUtils.getUserClass(beanType),
                TaskHandlerLazyInitializationExcludeFilter::hasTaskHandlerMethods);
    }

    static boolean hasTaskHandlerMethods(Class<?> type) {
        if (!AnnotationUtils.isCandidateClass(type, TaskHandler.class)) {
            return false;
        }
        Map<Method, Boolean> found = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<Boolean>) (method) -> AnnotatedElementUtils.hasAnnotation(method,
                        TaskHandler.class) ? Boolean.TRUE : null);
        return !found.isEmpty();
    }
}
