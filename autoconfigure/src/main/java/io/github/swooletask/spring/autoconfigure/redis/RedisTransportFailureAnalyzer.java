package io.github.swooletask.spring.autoconfigure.redis;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.NestedExceptionUtils;

import io.github.swooletask.redis.RedisTransportException;

/**
 * Explains a startup that failed because Redis could not be reached or refused the transport's commands (with
 * {@code swoole.task.transport=redis-streams}), and names the properties that say where Redis is.
 */
class RedisTransportFailureAnalyzer extends AbstractFailureAnalyzer<RedisTransportException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RedisTransportException cause) {
        Throwable root = NestedExceptionUtils.getRootCause(cause);
        String why = (root != null && root.getMessage() != null) ? " (" + root.getMessage() + ")" : "";
        return new FailureAnalysis("The Redis Streams transport could not start: " + cause.getMessage() + why,
                "Start Redis, or point spring.data.redis.host and spring.data.redis.port (or spring.data.redis.url,"
                        + " or spring.data.redis.sentinel.master and nodes) at it, with spring.data.redis.password"
                        + " (and username) if it asks for them; or set swoole.task.transport=local for this host's"
                        + " own queue.",
                cause);
    }
}
