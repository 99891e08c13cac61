package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.validation.Validator;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHandlerConfigurer;

/**
 * Finds {@link TaskHandler} methods on beans as they are created, directly annotated or through an annotation
 * meta-annotated with it, resolves their attributes ({@code ${...}} and {@code #{...}} through the bean factory) and
 * registers them in the {@link TaskHandlerRegistry}. Invalid signatures, invalid attributes and conflicting names or
 * ids fail the startup with a message that names the methods. Payload parameters annotated {@code @Valid} or
 * {@code @Validated} are validated with the application's {@link Validator} (the primary one when there are several).
 * A handler method (or class) annotated with Spring's {@code @Retryable} is retried as that annotation says, instead
 * of as {@code swoole.task.retry.*} says; one (or its class) annotated with Spring's {@code @SendTo} sends its
 * results on as tasks of the name it gives. Once the singletons are made, the {@link TaskHandlerConfigurer} beans
 * add the handlers they declare in code.
 */
public class TaskHandlerAnnotationBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware,
        SmartInitializingSingleton {

    private final ObjectProvider<TaskHandlerRegistry> registry;

    private final ObjectProvider<TaskPayloadConverter> converter;

    private final @Nullable ObjectProvider<Validator> validator;

    private final boolean defaultAutoStartup;

    private TaskHandlerAttributeResolver attributes;

    private HandlerRetryPolicies retryPolicies;

    private @Nullable BeanFactory beanFactory;

    private final Set<Class<?>> withoutHandlers = ConcurrentHashMap.newKeySet();

    /** Handlers that start with the application unless they say otherwise. */
    public TaskHandlerAnnotationBeanPostProcessor(ObjectProvider<TaskHandlerRegistry> registry,
            ObjectProvider<TaskPayloadConverter> converter) {
        this(registry, converter, true);
    }

    /**
     * @param defaultAutoStartup whether a handler without an {@code autoStartup} of its own starts with the
     * application ({@code swoole.task.auto-startup})
     */
    public TaskHandlerAnnotationBeanPostProcessor(ObjectProvider<TaskHandlerRegistry> registry,
            ObjectProvider<TaskPayloadConverter> converter, boolean defaultAutoStartup) {
        this(registry, converter, null, defaultAutoStartup);
    }

    /**
     * @param validator the validator of payload parameters that ask for validation, or null for none (such a
     * parameter then fails the startup)
     * @param defaultAutoStartup whether a handler without an {@code autoStartup} of its own starts with the
     * application ({@code swoole.task.auto-startup})
     */
    public TaskHandlerAnnotationBeanPostProcessor(ObjectProvider<TaskHandlerRegistry> registry,
            ObjectProvider<TaskPayloadConverter> converter, @Nullable ObjectProvider<Validator> validator,
            boolean defaultAutoStartup) {
        this.registry = registry;
        this.converter = converter;
        this.validator = validator;
        this.defaultAutoStartup = defaultAutoStartup;
        this.attributes = new TaskHandlerAttributeResolver(null, defaultAutoStartup);
        this.retryPolicies = new HandlerRetryPolicies(this.attributes, null);
    }

    /**
     * Placeholders and expressions in the attributes resolve through this bean factory, which also creates the
     * predicates of {@code @Retryable} handlers.
     */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
        this.attributes = new TaskHandlerAttributeResolver(
                (beanFactory instanceof ConfigurableBeanFactory configurable) ? configurable : null,
                this.defaultAutoStartup);
        this.retryPolicies = new HandlerRetryPolicies(this.attributes,
                (beanFactory instanceof AutowireCapableBeanFactory autowiring) ? autowiring : null);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> targetClass = AopUtils.getTargetClass(bean);
        if (this.withoutHandlers.contains(targetClass)) {
            return bean;
        }
        MethodIntrospector.MetadataLookup<MergedAnnotation<TaskHandler>> lookup =
                TaskHandlerAnnotationBeanPostProcessor::findAnnotation;
        Map<Method, MergedAnnotation<TaskHandler>> methods = MethodIntrospector.selectMethods(targetClass, lookup);
        if (methods.isEmpty()) {
            this.withoutHandlers.add(targetClass);
            return bean;
        }
        TaskHandlerRegistry registry = this.registry.getObject();
        TaskPayloadConverter converter = this.converter.getObject();
        Supplier<Validator> validator = validator();
        Map<String, Long> handlersPerName = methods.keySet().stream()
            .collect(Collectors.groupingBy(Method::getName, Collectors.counting()));
        methods.forEach((method, annotation) -> {
            if (Modifier.isStatic(method.getModifiers())) {
                throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + " is static;"
                        + " task handlers are instance methods of beans");
            }
            String defaultId = beanName + "." + method.getName()
                    + ((handlersPerName.get(method.getName()) > 1) ? parameterTypes(method) : "");
            TaskHandlerAttributes resolved = this.attributes.resolve(annotation, method, targetClass, defaultId);
            registry.register(new TaskHandlerMethod(bean, method, resolved, converter, validator,
                    this.retryPolicies.find(bean, method, targetClass)));
        });
        return bean;
    }

    /** Registers the handlers the {@link TaskHandlerConfigurer} beans declare, in their order. */
    @Override
    public void afterSingletonsInstantiated() {
        BeanFactory factory = this.beanFactory;
        if (factory == null) {
            return;
        }
        List<TaskHandlerConfigurer> configurers = factory.getBeanProvider(TaskHandlerConfigurer.class)
            .orderedStream().toList();
        if (configurers.isEmpty()) {
            return;
        }
        TaskPayloadConverter converter = this.converter.getObject();
        Supplier<Validator> validator = validator();
        TaskHandlerRegistrar registrar = new TaskHandlerRegistrar(this.registry.getObject(),
                (endpoint) -> handlerFor(endpoint, converter, validator));
        for (TaskHandlerConfigurer configurer : configurers) {
            configurer.configureTaskHandlers(registrar);
        }
    }

    /** The application's validator for payloads that ask for validation, asked for only then. */
    private Supplier<Validator> validator() {
        return (this.validator != null) ? PayloadValidation.fromBeans(this.validator) : PayloadValidation.NONE;
    }

    private TaskHandlerMethod handlerFor(TaskHandlerEndpoint endpoint, TaskPayloadConverter converter,
            Supplier<Validator> validator) {
        String route = endpoint.routeName();
        String id = endpoint.idOr(route.isEmpty() ? "default" : route);
        Class<?> functionPayload = endpoint.functionPayload();
        String sendTo = endpoint.sendToName();
        if (sendTo == null && functionPayload == null) {
            sendTo = HandlerSendTo.find(this.attributes, endpoint.method(), AopUtils.getTargetClass(endpoint.bean()));
        }
        int batch = endpoint.batchTasks();
        if (batch > 1 && functionPayload != null) {
            throw new IllegalStateException("The function handler '" + id + "' of a TaskHandlerConfigurer has a"
                    + " batchSize, but a function takes one payload: declare a method endpoint whose method takes a"
                    + " List (TaskHandlerEndpoint.method)");
        }
        TaskHandlerAttributes attributes = new TaskHandlerAttributes(id, route, endpoint.workers(),
                endpoint.startsWithApp(this.defaultAutoStartup), sendTo, batch);
        if (functionPayload != null) {
            return new TaskHandlerMethod(endpoint.bean(), endpoint.method(),
                    FunctionHandler.payloadParameter(functionPayload), id, attributes, converter, validator,
                    endpoint.ownRetryPolicy());
        }
        Method method = endpoint.method();
        if (Modifier.isStatic(method.getModifiers())) {
            throw new IllegalStateException("Task handler method " + method.toGenericString() + " of endpoint '" + id
                    + "' is static; task handlers are instance methods of beans");
        }
        RetryPolicy own = endpoint.ownRetryPolicy();
        RetryPolicy retry = (own != null) ? own
                : this.retryPolicies.find(endpoint.bean(), method, AopUtils.getTargetClass(endpoint.bean()));
        return new TaskHandlerMethod(endpoint.bean(), method, attributes, converter, validator, retry);
    }

    private static @Nullable MergedAnnotation<TaskHandler> findAnnotation(Method method) {
        MergedAnnotation<TaskHandler> annotation = MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY)
            .get(TaskHandler.class);
        return annotation.isPresent() ? annotation : null;
    }

    /** {@code (String,int)}: what tells overloaded handler methods apart in their default ids. */
    private static String parameterTypes(Method method) {
        return Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
            .collect(Collectors.joining(",", "(", ")"));
    }
}
