package io.github.swooletask.spring.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
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
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.handler.TaskPayloadConverter;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.spring.retry.DeadLetterDirectoryRecoverer;
import io.github.swooletask.spring.retry.RetryBackoff;
import io.github.swooletask.transport.ResultChannel;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Auto-configuration of swoole-task, in groups: the handlers ({@code @TaskHandler} discovery, payload conversion,
 * retry and recoverer), the transport of {@code swoole.task.ipc-mode} ({@link TaskTransportFactory}), the task
 * workers and their lifecycle, the dispatcher and {@link TaskTemplate}, and trace propagation. Every bean backs off
 * when the application defines its own.
 */
@AutoConfiguration(after = JacksonAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@EnableConfigurationProperties(SwooleTaskProperties.class)
public final class SwooleTaskAutoConfiguration {

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
                Environment environment) {
            // bound here, before the properties bean exists: a handler without autoStartup follows the property
            boolean autoStartup = Binder.get(environment).bind("swoole.task.auto-startup", Boolean.class).orElse(true);
            return new TaskHandlerAnnotationBeanPostProcessor(registry, converter, autoStartup);
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
        TaskRecoverer taskRecoverer(SwooleTaskProperties properties) {
            return new DeadLetterDirectoryRecoverer(properties.getDeadLetter().getDirectory());
        }

        @Bean
        @ConditionalOnMissingBean
        TaskHandlerInvoker taskHandlerInvoker(TaskHandlerRegistry registry, TaskReplies replies,
                SwooleTaskProperties properties, ObjectProvider<TaskRecoverer> recoverer,
                ObjectProvider<TaskExecutionListener> listeners, ObjectProvider<TaskObservations> observations) {
            SwooleTaskProperties.Retry retry = properties.getRetry();
            RetryBackoff backoff = new RetryBackoff(retry.getMaxRetries(), retry.getDelay(), retry.getMultiplier(),
                    retry.getMaxDelay(), retry.getExcludes());
            List<TaskExecutionListener> all = listeners.orderedStream().toList();
            TaskHandlerInvoker invoker = new TaskHandlerInvoker(registry, replies.tag(), backoff,
                    recoverer.getIfAvailable(), all);
            observations.ifAvailable(invoker::setObservations);
            return invoker;
        }
    }

    /** The transport of the configured ipc-mode and the spill files beside it. */
    @Configuration(proxyBeanMethods = false)
    static class TransportConfiguration {

        @Bean
        @ConditionalOnMissingBean
        SpillFiles swooleTaskSpillFiles(SwooleTaskProperties properties) {
            return new SpillFiles(properties.getTmpdir(), properties.getMaxPayloadSize().toBytes());
        }

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        TaskTransport taskTransport(SwooleTaskProperties properties) {
            return new TaskTransportFactory(properties).create();
        }
    }

    /** The task workers and the lifecycle that starts and stops them with the context. */
    @Configuration(proxyBeanMethods = false)
    static class WorkerConfiguration {

        @Bean
        @ConditionalOnMissingBean
        TaskWorkerPool taskWorkerPool(TaskTransport transport, SpillFiles spillFiles, TaskHandlerInvoker invoker,
                TaskReplies replies, RemoteReplies remoteReplies, TaskPayloadConverter converter,
                SwooleTaskProperties properties) {
            ResultChannel results = transport.results();
            CrossHostReplies crossHost = (results != null) ? new CrossHostReplies(results, converter::encodeResult,
                    WorkerConfiguration::describeFailure) : null;
            return new TaskWorkerPool(transport, spillFiles, invoker,
                    new ReplyRouter(replies, remoteReplies, crossHost), properties.resolvedWorkerNum(),
                    TaskWorkerPool.threadFactory("swoole-task-worker-", false));
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
                SpillFiles spillFiles, TaskDispatcher dispatcher, SwooleTaskProperties properties) {
            return new TaskWorkerLifecycle(pool, invoker, spillFiles, dispatcher::flush,
                    properties.getShutdownTimeout(), properties.getSpillMaxAge(), properties.isAutoStartup());
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
            observations.ifAvailable(template::setObservations);
            return template;
        }
    }

    /** Trace propagation through tasks, when the application has an {@link ObservationRegistry}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ObservationRegistry.class)
    @ConditionalOnBooleanProperty(name = "swoole.task.observation.enabled", matchIfMissing = true)
    static class ObservationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(ObservationRegistry.class)
        TaskObservations taskObservations(ObservationRegistry registry) {
            return new TaskObservations(registry);
        }
    }
}
