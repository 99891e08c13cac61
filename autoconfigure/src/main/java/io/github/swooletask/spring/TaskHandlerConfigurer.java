package io.github.swooletask.spring;

import io.github.swooletask.spring.handler.TaskHandlerEndpoint;
import io.github.swooletask.spring.handler.TaskHandlerRegistrar;

/**
 * Declares task handlers in code ({@link TaskHandlerEndpoint}s), beside the {@link TaskHandler @TaskHandler} methods,
 * as Spring AMQP's {@code RabbitListenerConfigurer} does listeners: for handlers whose names come from configuration,
 * several names on one method, methods of classes the application cannot annotate, or a function of the payload.
 * Every bean of this type is called once, in order, after the singletons are made and before the workers start.
 *
 * <pre>{@code
 * @Bean
 * TaskHandlerConfigurer regionalMail(MailSender sender, MailProperties mail) {
 *     return (registrar) -> mail.getRegions().forEach((region) -> registrar.register(
 *             TaskHandlerEndpoint.function(Mail.class, sender::send).name("mail." + region)));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface TaskHandlerConfigurer {

    /** Registers handlers; a name or id another handler has fails the startup naming both. */
    void configureTaskHandlers(TaskHandlerRegistrar registrar);
}
