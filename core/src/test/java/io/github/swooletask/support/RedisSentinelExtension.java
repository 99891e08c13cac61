package io.github.swooletask.support;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.function.Function;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis Sentinel set-up for each test: a master, its replica and one Sentinel watching them (Debian's
 * {@code redis-server} three times, each on a free loopback port in a directory of its own), started before each
 * test once the replica is in sync and the Sentinel knows it, and stopped (directories deleted) after it, also when
 * the test failed. {@link #failOver()} kills the master and waits until the Sentinel names the replica instead. Use
 * it as a {@code @RegisterExtension} field.
 */
public final class RedisSentinelExtension implements BeforeEachCallback, AfterEachCallback {

    /** The name the Sentinel knows the master by ({@code spring.data.redis.sentinel.master}). */
    public static final String MASTER = "swoole";

    private static final Duration SET_UP_TIMEOUT = Duration.ofSeconds(30);

    private RedisServerExtension master;

    private RedisServerExtension replica;

    private RedisServerExtension sentinel;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        this.master = RedisServerExtension.ephemeral();
        this.master.begin();
        this.replica = RedisServerExtension.ephemeral()
            .withArguments("--replicaof", this.master.host(), Integer.toString(this.master.port()));
        this.replica.begin();
        await("the replica to be in sync with the master").atMost(SET_UP_TIMEOUT)
            .until(() -> onServer(this.replica.port(), (redis) -> redis.sync().info("replication"))
                .contains("master_link_status:up"));
        this.sentinel = RedisServerExtension.sentinelOf(this.master, MASTER);
        this.sentinel.begin();
        await("the Sentinel to know the replica").atMost(SET_UP_TIMEOUT)
            .until(() -> onSentinel((sentinel) -> sentinel.sync().replicas(MASTER).size()) == 1);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            this.sentinel.end();
        }
        finally {
            try {
                this.replica.end();
            }
            finally {
                this.master.end();
            }
        }
    }

    /** {@code 127.0.0.1:<port>} of the Sentinel ({@code spring.data.redis.sentinel.nodes}). */
    public String nodes() {
        return this.sentinel.host() + ":" + this.sentinel.port();
    }

    /** The port of the server the Sentinel names as master now. */
    public int masterPort() {
        SocketAddress address = onSentinel((sentinel) -> sentinel.sync().getMasterAddrByName(MASTER));
        return ((InetSocketAddress) address).getPort();
    }

    /**
     * Kills the master (SIGKILL) and waits until the Sentinel has promoted the replica: about a second to find the
     * master down, then its election and the promotion.
     */
    public void failOver() throws InterruptedException {
        this.master.kill();
        await("the Sentinel to promote the replica").atMost(SET_UP_TIMEOUT)
            .until(() -> masterPort() == this.replica.port()
                    && onServer(this.replica.port(), (redis) -> redis.sync().info("replication"))
                        .contains("role:master"));
    }

    private <T> T onServer(int port, Function<StatefulRedisConnection<String, String>, T> work) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return work.apply(connection);
        }
        finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private <T> T onSentinel(Function<StatefulRedisSentinelConnection<String, String>, T> work) {
        RedisClient client = RedisClient.create(RedisURI.create(this.sentinel.host(), this.sentinel.port()));
        try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel()) {
            return work.apply(connection);
        }
        finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
