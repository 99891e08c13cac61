package io.github.swooletask.spring.autoconfigure;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.observation.ObservationRegistry;

import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.spring.DeadLetterDirectoryRecoverer;
import io.github.swooletask.spring.RetryBackoff;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandlerAnnotationBeanPostProcessor;
import io.github.swooletask.spring.TaskHandlerInvoker;
import io.github.swooletask.spring.TaskHandlerRegistry;
import io.github.swooletask.spring.TaskObservations;
import io.github.swooletask.spring.TaskPayloadConverter;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.TaskWorkerLifecycle;
import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.SysVTransport;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.unix.UnixSocketTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Auto-configuration of swoole-task: the transport for {@code swoole.task.ipc-mode} (a System V message queue for
 * modes 2 and 3, a Unix socket for mode 1), the task worker pool running {@code @TaskHandler} methods, the
 * dispatcher and {@link TaskTemplate}. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(after = JacksonAutoConfiguration.class, afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
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
    static TaskHandlerAnnotationBeanPostProcessor taskHandlerAnnotationBeanPostProcessor(
            ObjectProvider<TaskHandlerRegistry> registry, ObjectProvider<TaskPayloadConverter> converter) {
        return new TaskHandlerAnnotationBeanPostProcessor(registry, converter);
    }

    @Bean
    @ConditionalOnMissingBean
    TaskHandlerRegistry taskHandlerRegistry() {
        return new TaskHandlerRegistry();
    }

    @Bean
    @ConditionalOnMissingBean
    TaskPayloadConverter taskPayloadConverter(ObjectProvider<JsonMapper> jsonMapper) {
        return new TaskPayloadConverter(jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
    }

    @Bean
    @ConditionalOnMissingBean
    SpillFiles swooleTaskSpillFiles(SwooleTaskProperties properties) {
        return new SpillFiles(properties.getTmpdir(), properties.getMaxPayloadSize().toBytes());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TaskTransport taskTransport(SwooleTaskProperties properties) {
        IpcMode mode = properties.getIpcMode();
        int perms = properties.resolvedPerms();
        if (!properties.isAutoStartup() && (mode == IpcMode.UNIX_SOCKET || properties.resolvedKey() == null)) {
            org.slf4j.LoggerFactory.getLogger(SwooleTaskAutoConfiguration.class).warn("swoole.task.auto-startup=false"
                    + " with {}: this application's own queue or socket has no other reader. A dispatch-only"
                    + " application needs ipc-mode 2 or 3 and the consumer's swoole.task.message-queue-key",
                    (mode == IpcMode.UNIX_SOCKET) ? "ipc-mode 1" : "a private queue");
        }
        if (mode == IpcMode.UNIX_SOCKET) {
            return new UnixSocketTransport(properties.resolvedSocketPath(), perms,
                    properties.getSocketBufferSize().toBytes());
        }
        Integer key = properties.resolvedKey();
        MessageQueue queue;
        if (key == null) {
            queue = MessageQueue.createPrivate(perms);
        }
        else {
            boolean existed = MessageQueue.exists(key);
            queue = MessageQueue.open(key, perms);
            if (existed) {
                QueueDiagnostics.checkExisting(queue, perms, properties.isStrictQueueOwner());
            }
        }
        try {
            if (properties.getMessageQueueCapacity() != null) {
                queue.setCapacity(properties.getMessageQueueCapacity().toBytes());
            }
            QueueDiagnostics.checkCapacity(queue, KernelLimits.read());
            return new SysVTransport(queue, mode, properties.getWorkerMtypeOffset());
        }
        catch (RuntimeException ex) {
            if (queue.isPrivate()) {
                queue.remove();
            }
            throw ex;
        }
    }

    @Bean
    @ConditionalOnMissingBean
    TaskReplies taskReplies() {
        return new TaskReplies();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "swoole.task.dead-letter.enabled", matchIfMissing = true)
    TaskRecoverer taskRecoverer(SwooleTaskProperties properties) {
        return new DeadLetterDirectoryRecoverer(properties.getDeadLetter().getDirectory());
    }

    @Bean
    @ConditionalOnMissingBean
    TaskHandlerInvoker taskHandlerInvoker(TaskHandlerRegistry registry, TaskPayloadConverter converter,
            TaskReplies replies, SwooleTaskProperties properties, ObjectProvider<TaskRecoverer> recoverer,
            ObjectProvider<TaskExecutionListener> listeners, ObjectProvider<TaskObservations> observations) {
        SwooleTaskProperties.Retry retry = properties.getRetry();
        RetryBackoff backoff = new RetryBackoff(retry.getMaxRetries(), retry.getDelay(), retry.getMultiplier(),
                retry.getMaxDelay(), retry.getExcludes());
        List<TaskExecutionListener> all = listeners.orderedStream().toList();
        TaskHandlerInvoker invoker = new TaskHandlerInvoker(registry, converter, replies.tag(), backoff,
                recoverer.getIfAvailable(), all);
        observations.ifAvailable(invoker::setObservations);
        return invoker;
    }

    @Bean
    @ConditionalOnMissingBean
    TaskWorkerPool taskWorkerPool(TaskTransport transport, SpillFiles spillFiles, TaskHandlerInvoker invoker,
            TaskReplies replies, SwooleTaskProperties properties) {
        if (properties.getWorkerNum() < 1) {
            throw new IllegalArgumentException("swoole.task.worker-num must be at least 1, was "
                    + properties.getWorkerNum());
        }
        return new TaskWorkerPool(transport, spillFiles, invoker, replies, properties.getWorkerNum(),
                TaskWorkerPool.threadFactory("swoole-task-worker-", false));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TaskDispatcher taskDispatcher(TaskTransport transport, SpillFiles spillFiles, TaskWorkerPool pool,
            TaskReplies replies, SwooleTaskProperties properties) {
        boolean batching = properties.getBatching().isEnabled() && properties.isAutoStartup();
        return new TaskDispatcher(transport, new FrameEncoder(spillFiles), pool::selectWorker, pool.size(),
                properties.getFullQueuePolicy(), properties.getDispatchTimeout(), replies,
                batching ? pool.statistics()::receivedCount : null, properties.getBatching().getLinger());
    }

    @Bean
    @ConditionalOnMissingBean
    TaskTemplate taskTemplate(TaskDispatcher dispatcher, TaskPayloadConverter converter,
            SwooleTaskProperties properties, ObjectProvider<TaskObservations> observations) {
        TaskTemplate template = new TaskTemplate(dispatcher, converter, properties.getCallTimeout());
        observations.ifAvailable(template::setObservations);
        return template;
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

    @Bean
    @ConditionalOnMissingBean
    TaskWorkerLifecycle taskWorkerLifecycle(TaskWorkerPool pool, TaskHandlerInvoker invoker, SpillFiles spillFiles,
            TaskDispatcher dispatcher, SwooleTaskProperties properties) {
        return new TaskWorkerLifecycle(pool, invoker, spillFiles, dispatcher::flush, properties.getShutdownTimeout(),
                properties.getSpillMaxAge(), properties.isAutoStartup());
    }
}
