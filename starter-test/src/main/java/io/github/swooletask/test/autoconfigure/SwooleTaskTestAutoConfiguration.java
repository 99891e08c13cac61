package io.github.swooletask.test.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.SwooleTaskProperties;
import io.github.swooletask.test.HandledTaskRecorder;
import io.github.swooletask.test.RecordingTransport;
import io.github.swooletask.test.SwooleTaskTestHarness;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * The in-memory transport for tests, when {@code swoole.task.transport=in-memory} (set by
 * {@link AutoConfigureSwooleTaskTest}): a {@link RecordingTransport} over core's {@link InMemoryTransport}, with
 * the semantics of the configured {@code ipc-mode}, {@code worker-num} queues in mode 2 and
 * {@code message-queue-capacity} bytes (64 MB unless set); and the {@link SwooleTaskTestHarness}. It comes before
 * {@link SwooleTaskAutoConfiguration}, whose kernel transport then backs off. Nothing of it is active otherwise.
 */
@AutoConfiguration(before = SwooleTaskAutoConfiguration.class)
@ConditionalOnProperty(name = "swoole.task.transport", havingValue = "in-memory")
@EnableConfigurationProperties(SwooleTaskProperties.class)
public final class SwooleTaskTestAutoConfiguration {

    private static final long DEFAULT_CAPACITY = 64L * 1024 * 1024;

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TaskTransport taskTransport(SpillFiles spillFiles, SwooleTaskProperties properties) {
        long capacity = (properties.getMessageQueueCapacity() != null)
                ? properties.getMessageQueueCapacity().toBytes() : DEFAULT_CAPACITY;
        InMemoryTransport queue = new InMemoryTransport(properties.getIpcMode(), properties.resolvedWorkerNum(),
                capacity);
        return new RecordingTransport(queue, spillFiles);
    }

    @Bean
    @ConditionalOnMissingBean
    HandledTaskRecorder swooleTaskHandledTaskRecorder() {
        return new HandledTaskRecorder();
    }

    @Bean
    @ConditionalOnMissingBean
    SwooleTaskTestHarness swooleTaskTestHarness(TaskTransport transport, HandledTaskRecorder recorder,
            SpillFiles spillFiles, ObjectProvider<TaskWorkerPool> pool) {
        if (!(transport instanceof RecordingTransport recording)) {
            throw new IllegalStateException("swoole.task.transport=in-memory, but the TaskTransport bean is a "
                    + transport.getClass().getName() + ", not the test's in-memory transport: remove that bean from"
                    + " the test's context, or test without @AutoConfigureSwooleTaskTest");
        }
        return new SwooleTaskTestHarness(recording, recorder, spillFiles,
                () -> pool.getObject().statistics().rejectedCount());
    }
}
