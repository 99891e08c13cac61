package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

import io.github.swooletask.spring.TaskHandler;

/**
 * Finds {@link TaskHandler} methods on beans as they are created and registers them in the
 * {@link TaskHandlerRegistry}. Invalid signatures and conflicting names fail the startup with a message that names
 * the methods.
 */
public class TaskHandlerAnnotationBeanPostProcessor implements BeanPostProcessor {

    private final ObjectProvider<TaskHandlerRegistry> registry;

    private final ObjectProvider<TaskPayloadConverter> converter;

    private final Set<Class<?>> withoutHandlers = ConcurrentHashMap.newKeySet();

    public TaskHandlerAnnotationBeanPostProcessor(ObjectProvider<TaskHandlerRegistry> registry,
            ObjectProvider<TaskPayloadConverter> converter) {
        this.registry = registry;
        this.converter = converter;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> targetClass = AopUtils.getTargetClass(bean);
        if (this.withoutHandlers.contains(targetClass)) {
            return bean;
        }
        Map<Method, TaskHandler> methods = MethodIntrospector.selectMethods(targetClass,
                (MethodIntrospector.MetadataLookup<TaskHandler>) (method) -> AnnotatedElementUtils
                    .findMergedAnnotation(method, TaskHandler.class));
        if (methods.isEmpty()) {
            this.withoutHandlers.add(targetClass);
            return bean;
        }
        TaskHandlerRegistry registry = this.registry.getObject();
        TaskPayloadConverter converter = this.converter.getObject();
        methods.forEach((method, annotation) -> {
            if (Modifier.isStatic(method.getModifiers())) {
                throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + " is static;"
                        + " task handlers are instance methods of beans");
            }
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            registry.register(new TaskHandlerMethod(bean, invocable, annotation.value().trim(), converter));
        });
        return bean;
    }
}
