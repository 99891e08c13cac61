package io.github.swooletask.spring.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.validation.Validator;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.reply.CrossHostReplies;
import io.github.swooletask.reply.RemoteReplies;
import io.github.swooletask.reply.ReplyRouter;
import io.github.swooletask.spring.RemoteTaskFailure;
import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.DefaultTaskPayloadConverter;
import io.github.swooletask.spring.handler.TaskHandlerAnnotationBeanPostProcessor;
import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.spring.handler.TaskHandlerLazyInitializationExcludeFilter;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.handler.TaskHandlerRouting;
import io.github.swooletask.spring.handler.TaskPayloadConverter;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.observation.TaskDispatchObservationConvention;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.spring.observation.TaskProcessObservationConvention;
import io.github.swooletask.spring.retry.DeadLetterDirectoryRecoverer;
import io.github.swooletask.transport.ResultChannel;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.ConsumerProblems;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Auto-configuration of swoole-task, in groups: the handlers ({@code @TaskHandler} discovery, payload conversion,
 * retry and recoverer), the transport of {@code swoole.task.ipc-mode} ({@link TaskTransportFactory}), the task
 * workers and their lifecycle, the dispatcher and {@link TaskTemplate}, and the observations of both sides. Every
 * bean backs off when the application defines its own.
 */
@AutoConfiguration(after = { JacksonAutoConfiguration.class, LifecycleAutoConfiguration.class },
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@EnableConfigurationProperties(SwooleTaskProperties.class)
public final class SwooleTaskAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(SwooleTaskAutoConfiguration.class);

    @Bean
    @ConfigurationPropertiesBinding
    static IpcModeConverter.FromString swooleTaskIpcModeFromString() {
        return new IpcModeConverter.FromString();
    }

    @Bean
    @ConfigurationPropertiesBinding
    static IpcModeConverter.FromInteger swooleTaskIpcModeFromInteger() {
        return new IpcModeConverter.FromInteger();
    }

    @Bean
    @ConfigurationPropertiesBinding
    static WireFormatConverter swooleTaskWireFormatConverter() {
        return new WireFormatConverter();
    }

    /** {@code @TaskHandler} discovery and invocation, retry and the recoverer. */
    @Configuration(proxyBeanMethods = false)
    static class HandlerConfiguration {

        @Bean
        static TaskHandlerAnnotationBeanPostProcessor taskHandlerAnnotationBeanPostProcessor(
                ObjectProvider<TaskHandlerRegistry> registry, ObjectProvider<TaskPayloadConverter> converter,
                ObjectProvider<Validator> validator, Environment environment) {
            // bound here, before the properties bean exists: a handler without autoStartup follows the property
            boolean autoStartup = Binder.get(environment).bind("swoole.task.auto-startup", Boolean.class).orElse(true);
            return new TaskHandlerAnnotationBeanPostProcessor(registry, converter, validator, autoStartup);
        }

        /** Beans with {@code @TaskHandler} methods are created at startup even with lazy initialization. */
        @Bean
        static TaskHandlerLazyInitializationExcludeFilter taskHandlerLazyInitializationExcludeFilter() {
            return new TaskHandlerLazyInitializationExcludeFilter();
        }

        @Bean
        @ConditionalOnMissingBean
        TaskHandlerRegistry taskHandlerRegistry() {
            return new TaskHandlerRegistry();
        }

        @Bean
        @ConditionalOnMissingBean(TaskPayloadConverter.class)
        DefaultTaskPayloadConverter taskPayloadConverter(ObjectProvider<JsonMapper> jsonMapper) {
            return new DefaultTaskPayloadConverter(jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBooleanProperty(name = "swoole.task.dead-letter.enabled", matchIfMissing = true)
        TaskRecoverer taskRecoverer(SwooleTaskProperties properties, Environment environment) {
            SwooleTaskProperties.DeadLetter deadLetter = properties.getDeadLetter();
            Path directory = (deadLetter.getDirectory() != null) ? deadLetter.getDirectory()
                    : DefaultLocations.deadLetterDirectory(DefaultLocations.applicationName(environment));
            DeadLetterDirectoryRecoverer recoverer = new DeadLetterDirectoryRecoverer(directory,
                    deadLetter.getMaxFiles(), deadLetter.getMaxSize().toBytes());
            try {
                // an unsafe directory fails the startup; one that cannot be made yet is tried again when needed
                recoverer.prepare();
            }
            catch (IOException ex) {
                logger.warn("The dead-letter directory {} cannot be used yet ({}); failed tasks are kept there once"
                        + " it can", directory, ex.toString());
            }
            return recoverer;
        }

        @Bean
        @ConditionalOnMissingBean
        TaskHandlerInvoker taskHandlerInvoker(TaskHandlerRegistry registry, TaskReplies replies,
                SwooleTaskProperties properties, ObjectProvider<TaskRecoverer> recoverer,
                ObjectProvider<TaskExecutionListener> listeners, ObjectProvider<TaskObservations> observations,
                ObjectProvider<TaskRetrySettingsCustomizer> retryCustomizers, ObjectProvider<TaskOperations> operations,
                ObjectProvider<TaskDispatcher> dispatcher) {
            RetryPolicy retryPolicy = TaskRetryPolicyFactory.create(properties.getRetry(),
                    retryCustomizers.orderedStream().toList());
            List<TaskExecutionListener> all = listeners.orderedStream().toList();
            TaskHandlerInvoker invoker = new TaskHandlerInvoker(registry, replies.tag(), retryPolicy,
                    recoverer.getIfAvailable(), all);
            observations.ifAvailable(invoker::setObservations);
            // @SendTo results go on through TaskOperations, looked up once the workers start
            invoker.setResultSender(new TaskOperationsResultSender(operations,
                    () -> dispatcher.getObject().wireFormat()));
            return invoker;
        }
    }

    /** The transport of the configured ipc-mode and the spill files beside it. */
    @Configuration(proxyBeanMethods = false)
    static class TransportConfiguration {

        @Bean
        @ConditionalOnMissingBean
        SpillFiles swooleTaskSpillFiles(SwooleTaskProperties properties) {
            return new SpillFiles(properties.getTmpdir(), properties.getMaxPayloadSize().toBytes(),
                    properties.getTrustedProducerUids());
        }

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        TaskTransport taskTransport(SwooleTaskProperties properties, Environment environment) {
            return new TaskTransportFactory(properties, DefaultLocations.applicationName(environment)).create();
        }
    }

    /** The task workers and the lifecycle that starts and stops them with the context. */
    @Configuration(proxyBeanMethods = false)
    static class WorkerConfiguration {

        @Bean
        @ConditionalOnMissingBean
        TaskWorkerPool taskWorkerPool(TaskTransport transport, SpillFiles spillFiles, TaskHandlerInvoker invoker,
                TaskReplies replies, RemoteReplies remoteReplies, TaskPayloadConverter converter,
                TaskHandlerRegistry registry, ObjectProvider<TaskRecoverer> recoverer, SwooleTaskProperties properties) {
            ResultChannel results = transport.results();
            CrossHostReplies crossHost = (results != null) ? new CrossHostReplies(results, converter::encodeResult,
                    WorkerConfiguration::describeFailure) : null;
            TaskWorkerPool pool = new TaskWorkerPool(transport, spillFiles, invoker,
                    new ReplyRouter(replies, remoteReplies, crossHost), properties.resolvedWorkerNum(),
                    TaskWorkerPool.threadFactory("swoole-task-worker-", false));
            // handlers with a concurrency get threads of their own, made when the workers start
            pool.useReservedWorkers(new TaskHandlerRouting(registry, recoverer.getIfAvailable()));
            return pool;
        }

        /** What keeps tasks from being consumed, for the health check and the endpoint. */
        @Bean
        @ConditionalOnMissingBean
        ConsumerProblems swooleTaskConsumerProblems(TaskWorkerPool pool, TaskTransport transport,
                SwooleTaskProperties properties) {
            SwooleTaskProperties.Health health = properties.getHealth();
            return new ConsumerProblems(pool, transport, health.getStuckAfter(), health.getStarvedAfter());
        }

        /** Replies to tasks other programs posted with a reply address. */
        @Bean
        @ConditionalOnMissingBean
        RemoteReplies swooleTaskRemoteReplies(TaskTransport transport, SpillFiles spillFiles,
                TaskPayloadConverter converter, SwooleTaskProperties properties) {
            return new RemoteReplies(transport, spillFiles, converter::encodeResult,
                    WorkerConfiguration::describeFailure, properties.getReplyTimeout());
        }

        /** A caller sees the handler's own exception, not the wrapper that names the dead-letter file. */
        private static String describeFailure(Throwable failure) {
            Throwable shown = (failure instanceof TaskExecutionException && failure.getCause() != null)
                    ? failure.getCause() : failure;
            String message = shown.getMessage();
            return shown.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
        }

        @Bean
        @ConditionalOnMissingBean
        TaskWorkerLifecycle taskWorkerLifecycle(TaskWorkerPool pool, TaskHandlerInvoker invoker,
                TaskHandlerRegistry registry, SpillFiles spillFiles, TaskDispatcher dispatcher,
                SwooleTaskProperties properties, ObjectProvider<LifecycleProperties> lifecycle) {
            Duration phaseTimeout = lifecycle.getIfAvailable(LifecycleProperties::new).getTimeoutPerShutdownPhase();
            return new TaskWorkerLifecycle(pool, invoker, () -> !registry.isEmpty(), spillFiles, dispatcher::flush,
                    properties.getShutdownTimeout(), phaseTimeout, properties.getSpillMaxAge(),
                    properties.isAutoStartup());
        }
    }

    /** The dispatcher, {@link TaskTemplate}, and the replies they share with the workers. */
    @Configuration(proxyBeanMethods = false)
    static class DispatchConfiguration {

        @Bean
        @ConditionalOnMissingBean
        TaskReplies taskReplies() {
            return new TaskReplies();
        }

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        TaskDispatcher taskDispatcher(TaskTransport transport, SpillFiles spillFiles, TaskWorkerPool pool,
                TaskReplies replies, TaskPayloadConverter converter, SwooleTaskProperties properties) {
            ResultChannel results = transport.results();
            if (results != null) {
                results.listen((taskId, tag, flags, payload) -> resultArrived(replies, converter, taskId, tag, flags,
                        payload));
            }
            SwooleTaskProperties.Batching batching = properties.getBatching();
            DispatcherSettings settings = DispatcherSettings.of(pool.size())
                .withFullQueuePolicy(properties.getFullQueuePolicy(), properties.getDispatchTimeout())
                .withWorkerSelector(pool::selectWorker)
                .withWireFormat(properties.getWireFormat());
            if (batching.isEnabled() && properties.isAutoStartup()) {
                settings = settings.withBatching(DispatcherSettings.Batching.on(batching.getLinger(),
                        pool.statistics()::receivedCount));
            }
            return new TaskDispatcher(transport, new FrameEncoder(spillFiles), settings, replies);
        }

        /** A result from another instance completes the caller's future: decoded, or as a failure. */
        private static void resultArrived(TaskReplies replies, TaskPayloadConverter converter, int taskId, int tag,
                int flags, byte[] payload) {
            if ((flags & TaskFlags.FAILED) != 0) {
                replies.failureArrived(taskId, tag, new TaskExecutionException("(on another instance)", taskId, "",
                        new RemoteTaskFailure(new String(payload, StandardCharsets.UTF_8))));
                return;
            }
            try {
                replies.resultArrived(taskId, tag, converter.decodeResult(flags, payload));
            }
            catch (IllegalArgumentException ex) {
                replies.failureArrived(taskId, tag, ex);
            }
        }

        @Bean
        @ConditionalOnMissingBean(TaskOperations.class)
        TaskTemplate taskTemplate(TaskDispatcher dispatcher, TaskPayloadConverter converter,
                SwooleTaskProperties properties, ObjectProvider<TaskObservations> observations) {
            TaskTemplate template = new TaskTemplate(dispatcher, converter, properties.getCallTimeout());
            template.setDispatchAfterCommit(properties.isDispatchAfterCommit());
            observations.ifAvailable(template::setObservations);
            return template;
        }
    }

    /**
     * Observation of every dispatch and handler run, when {@code swoole.task.observation.enabled} is true and the
     * application has an {@link ObservationRegistry}; a {@link TaskDispatchObservationConvention} or
     * {@link TaskProcessObservationConvention} bean replaces the default convention.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ObservationRegistry.class)
    @ConditionalOnBooleanProperty(name = "swoole.task.observation.enabled")
    static class ObservationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(ObservationRegistry.class)
        TaskObservations taskObservations(ObservationRegistry registry,
                ObjectProvider<TaskDispatchObservationConvention> dispatchConvention,
                ObjectProvider<TaskProcessObservationConvention> processConvention) {
            return new TaskObservations(registry, dispatchConvention.getIfUnique(), processConvention.getIfUnique());
        }
    }
}
