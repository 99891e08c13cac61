package io.github.swooletask.spring.autoconfigure.redis;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.RedisURI;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * Where the transport's connections go, from Boot's {@code spring.data.redis.*} connection details: one server
 * ({@code host}/{@code port} or {@code url}), or the master a set of Sentinels names
 * ({@code spring.data.redis.sentinel.master} and {@code nodes}), which Lettuce asks for again on every reconnect, so
 * the connections follow a failover. Cluster and static master/replica set-ups are refused with a message that says
 * so.
 */
final class RedisServerAddress {

    private RedisServerAddress() {
    }

    /** What the Redis client connects to, its commands timing out after {@code timeout}. */
    static RedisURI uri(DataRedisConnectionDetails connection, Duration timeout) {
        if (connection.getCluster() != null || connection.getMasterReplica() != null) {
            throw new IllegalStateException("swoole.task.transport=redis-streams works with one Redis server"
                    + " (spring.data.redis.host/port or url) or with a master that Redis Sentinel watches"
                    + " (spring.data.redis.sentinel.master and nodes); "
                    + ((connection.getCluster() != null) ? "Redis Cluster (spring.data.redis.cluster.*)"
                            : "a static master/replica set-up (spring.data.redis.masterreplica.*)")
                    + " is not supported");
        }
        boolean ssl = connection.getSslBundle() != null;
        DataRedisConnectionDetails.Sentinel sentinel = connection.getSentinel();
        RedisURI.Builder uri;
        if (sentinel != null) {
            List<DataRedisConnectionDetails.Node> nodes = sentinel.getNodes();
            if (nodes == null || nodes.isEmpty()) {
                throw new IllegalStateException("spring.data.redis.sentinel.master is '" + sentinel.getMaster()
                        + "' but spring.data.redis.sentinel.nodes names no Sentinel: give their host:port list");
            }
            uri = RedisURI.builder().withSentinelMasterId(sentinel.getMaster()).withDatabase(sentinel.getDatabase());
            for (DataRedisConnectionDetails.Node node : nodes) {
                uri.withSentinel(sentinelUri(node, sentinel.getUsername(), sentinel.getPassword(), ssl, timeout));
            }
        }
        else {
            DataRedisConnectionDetails.Standalone standalone = connection.getStandalone();
            if (standalone == null) {
                throw new IllegalStateException("swoole.task.transport=redis-streams needs a Redis server:"
                        + " set spring.data.redis.host/port (or url), or spring.data.redis.sentinel.*");
            }
            uri = RedisURI.builder().withHost(standalone.getHost()).withPort(standalone.getPort())
                .withDatabase(standalone.getDatabase());
        }
        uri.withSsl(ssl).withTimeout(timeout);
        credentials(uri, connection.getUsername(), connection.getPassword());
        return uri.build();
    }

    /** How messages name the server: {@code host:port}, or {@code master 'name' of Sentinel host:port,...}. */
    static String describe(DataRedisConnectionDetails connection) {
        DataRedisConnectionDetails.Sentinel sentinel = connection.getSentinel();
        if (sentinel != null) {
            List<DataRedisConnectionDetails.Node> nodes = (sentinel.getNodes() != null) ? sentinel.getNodes()
                    : List.of();
            return "master '" + sentinel.getMaster() + "' of Sentinel " + nodes.stream()
                .map((node) -> node.host() + ":" + node.port()).collect(Collectors.joining(","));
        }
        DataRedisConnectionDetails.Standalone standalone = connection.getStandalone();
        return (standalone != null) ? standalone.getHost() + ":" + standalone.getPort() : "redis";
    }

    private static RedisURI sentinelUri(DataRedisConnectionDetails.Node node, @Nullable String username,
            @Nullable String password, boolean ssl, Duration timeout) {
        RedisURI.Builder uri = RedisURI.builder().withHost(node.host()).withPort(node.port()).withSsl(ssl)
            .withTimeout(timeout);
        credentials(uri, username, password);
        return uri.build();
    }

    private static void credentials(RedisURI.Builder uri, @Nullable String username, @Nullable String password) {
        if (password == null) {
            return;
        }
        if (username != null) {
            uri.withAuthentication(username, password.toCharArray());
        }
        else {
            uri.withPassword(password.toCharArray());
        }
    }
}
