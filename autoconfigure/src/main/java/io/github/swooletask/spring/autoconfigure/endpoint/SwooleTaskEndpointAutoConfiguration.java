package io.github.swooletask.spring.autoconfigure.endpoint;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.reply.RemoteReplies;
import io.github.swooletask.spring.DeadLetterReplayer;
import io.github.swooletask.spring.DeadLetterStore;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.SwooleTaskProperties;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.ConsumerProblems;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Registers the {@link SwooleTaskEndpoint} when the actuator is on the class path and the endpoint is available
 * (exposed, e.g. {@code management.endpoints.web.exposure.include=swooletask}, and its access not {@code none}).
 */
@AutoConfiguration(after = SwooleTaskAutoConfiguration.class,
        afterName = "org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration")
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
        "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
@ConditionalOnBean({ TaskTransport.class, TaskWorkerPool.class, TaskDispatcher.class })
public final class SwooleTaskEndpointAutoConfiguration {

    // On the method, not the class: the class's @ConditionalOnClass must rule first, so that an application without
    // the actuator never has to load the availability condition.
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(SwooleTaskEndpoint.class)
    SwooleTaskEndpoint swooleTaskEndpoint(TaskTransport transport, TaskWorkerPool pool, TaskDispatcher dispatcher,
            ObjectProvider<RemoteReplies> remoteReplies, ObjectProvider<ConsumerProblems> problems,
            ObjectProvider<SpillFiles> spillFiles, ObjectProvider<TaskHandlerRegistry> handlers,
            ObjectProvider<TaskRecoverer> recoverer, ObjectProvider<SwooleTaskProperties> properties) {
        SwooleTaskEndpoint endpoint = new SwooleTaskEndpoint(transport, pool, dispatcher, spillFiles.getIfAvailable());
        endpoint.setHandlers(handlers.getIfAvailable());
        properties.ifAvailable((configured) -> endpoint.setHandlerStopTimeout(configured.getShutdownTimeout()));
        if (recoverer.getIfAvailable() instanceof DeadLetterStore store) {
            endpoint.setDeadLetters(new DeadLetterReplayer(store, dispatcher));
        }
        remoteReplies.ifAvailable((replies) -> endpoint.setReplyStatistics(replies.statistics()));
        problems.ifAvailable(endpoint::setConsumerProblems);
        return endpoint;
    }
}
