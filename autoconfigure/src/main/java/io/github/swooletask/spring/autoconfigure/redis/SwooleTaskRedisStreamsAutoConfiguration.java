package io.github.swooletask.spring.autoconfigure.redis;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.redis.RedisStreamsSettings;
import io.github.swooletask.redis.RedisStreamsTransport;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.SwooleTaskProperties;
import io.github.swooletask.spring.redis.RedisDeadLetterRecoverer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskTransport;

/**
 * The Redis Streams transport, when {@code swoole.task.transport=redis-streams}: the connection is Boot's
 * ({@code spring.data.redis.*}, from {@code spring-boot-starter-data-redis}, which the application adds), the
 * streams and the group {@code swoole.task.redis.*}. The dead-letter recoverer appends to the dead-letter stream.
 * Nothing of it is active otherwise; the starter brings no Redis client.
 */
@AutoConfiguration(before = SwooleTaskAutoConfiguration.class,
        afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(name = { "io.lettuce.core.RedisClient",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails" })
@ConditionalOnProperty(name = "swoole.task.transport", havingValue = "redis-streams")
@EnableConfigurationProperties(SwooleTaskProperties.class)
public final class SwooleTaskRedisStreamsAutoConfiguration {

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(name = "swooleTaskRedisClient")
    RedisClient swooleTaskRedisClient(DataRedisConnectionDetails connection, DataRedisProperties redis,
            SwooleTaskProperties properties) {
        Duration timeout = (redis.getTimeout() != null) ? redis.getTimeout() : Duration.ofSeconds(5);
        RedisClient client = RedisClient.create(RedisServerAddress.uri(connection, timeout));
        // commands fail at once while Redis is away, instead of queueing for a minute; a blocking read may take
        // the block timeout on top of the command timeout
        client.setOptions(ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .autoReconnect(true)
            .timeoutOptions(TimeoutOptions.enabled(timeout.plus(properties.getRedis().getBlockTimeout())))
            .build());
        return client;
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TaskTransport taskTransport(RedisClient swooleTaskRedisClient, DataRedisConnectionDetails connection,
            SwooleTaskProperties properties) {
        SwooleTaskProperties.Redis redis = properties.getRedis();
        String stream = redis.getStream();
        String instanceId = (redis.getInstanceId() != null) ? redis.getInstanceId() : defaultInstanceId();
        RedisStreamsSettings settings = RedisStreamsSettings.of(stream, instanceId, properties.resolvedWorkerNum())
            .withDirected(properties.getIpcMode() == IpcMode.MSGQUEUE)
            .withLimits(redis.getClaimAfter(), redis.getMaxLength(), redis.getMaxDeliveries(),
                    (int) Math.min(Integer.MAX_VALUE - 64, properties.getMaxPayloadSize().toBytes()))
            .withNames(redis.getGroup(), deadLetterStream(properties))
            .withReads(redis.getReadCount(), redis.getBlockTimeout());
        return new RedisStreamsTransport(swooleTaskRedisClient, RedisServerAddress.describe(connection), settings);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "swoole.task.dead-letter.enabled", matchIfMissing = true)
    TaskRecoverer taskRecoverer(TaskTransport transport, SwooleTaskProperties properties) {
        if (!(transport instanceof RedisStreamsTransport redis)) {
            throw new IllegalStateException("swoole.task.transport=redis-streams, but the TaskTransport bean is a "
                    + transport.getClass().getName() + "; declare a TaskRecoverer bean of your own too");
        }
        return new RedisDeadLetterRecoverer(redis, deadLetterStream(properties));
    }

    private static String deadLetterStream(SwooleTaskProperties properties) {
        String configured = properties.getRedis().getDeadLetterStream();
        return (configured != null) ? configured : properties.getRedis().getStream() + ":dead-letters";
    }

    /** The host name and process id: unique among instances, stable only while the process lives. */
    static String defaultInstanceId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            }
            catch (UnknownHostException ex) {
                host = "host";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
