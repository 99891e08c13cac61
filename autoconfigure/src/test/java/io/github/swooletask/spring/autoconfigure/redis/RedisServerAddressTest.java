package io.github.swooletask.spring.autoconfigure.redis;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.tuple;

/**
 * What the transport connects to for Boot's connection details: a server, or the master of Sentinels, with the
 * credentials of each where Boot keeps them apart (the data node's, the Sentinels' own).
 */
class RedisServerAddressTest {

    @Test
    void oneServerWithItsDatabaseAndPassword() {
        DataRedisConnectionDetails details = new DataRedisConnectionDetails() {

            @Override
            public String getPassword() {
                return "secret";
            }

            @Override
            public Standalone getStandalone() {
                return Standalone.of("redis.internal", 6380, 2);
            }
        };
        RedisURI uri = RedisServerAddress.uri(details, Duration.ofSeconds(3));
        assertThat(uri.getHost()).isEqualTo("redis.internal");
        assertThat(uri.getPort()).isEqualTo(6380);
        assertThat(uri.getDatabase()).isEqualTo(2);
        assertThat(password(uri)).isEqualTo("secret");
        assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(RedisServerAddress.describe(details)).isEqualTo("redis.internal:6380");
    }

    @Test
    void theMasterOfSentinelsEachWithTheSentinelsOwnPassword() {
        DataRedisConnectionDetails details = sentinel(List.of(new DataRedisConnectionDetails.Node("10.0.0.1", 26379),
                new DataRedisConnectionDetails.Node("10.0.0.2", 26380)));
        RedisURI uri = RedisServerAddress.uri(details, Duration.ofSeconds(1));
        assertThat(uri.getSentinelMasterId()).isEqualTo("orders");
        assertThat(uri.getDatabase()).isEqualTo(1);
        assertThat(password(uri)).isEqualTo("data-secret");
        assertThat(uri.getSentinels()).extracting(RedisURI::getHost, RedisURI::getPort)
            .containsExactly(tuple("10.0.0.1", 26379),
                    tuple("10.0.0.2", 26380));
        assertThat(uri.getSentinels()).allSatisfy((node) -> assertThat(password(node)).isEqualTo("sentinel-secret"));
        assertThat(RedisServerAddress.describe(details))
            .isEqualTo("master 'orders' of Sentinel 10.0.0.1:26379,10.0.0.2:26380");
    }

    @Test
    void sentinelsWithoutNodesAreRefusedNamingTheProperty() {
        assertThatIllegalStateException().isThrownBy(() -> RedisServerAddress.uri(sentinel(List.of()),
                Duration.ofSeconds(1)))
            .withMessage("spring.data.redis.sentinel.master is 'orders' but spring.data.redis.sentinel.nodes names no"
                    + " Sentinel: give their host:port list");
    }

    private static String password(RedisURI uri) {
        return new String(uri.getCredentialsProvider().resolveCredentials().block().getPassword());
    }

    private static DataRedisConnectionDetails sentinel(List<DataRedisConnectionDetails.Node> nodes) {
        return new DataRedisConnectionDetails() {

            @Override
            public String getPassword() {
                return "data-secret";
            }

            @Override
            public Sentinel getSentinel() {
                return new Sentinel() {

                    @Override
                    public int getDatabase() {
                        return 1;
                    }

                    @Override
                    public String getMaster() {
                        return "orders";
                    }

                    @Override
                    public List<Node> getNodes() {
                        return nodes;
                    }

                    @Override
                    public String getUsername() {
                        return null;
                    }

                    @Override
                    public String getPassword() {
                        return "sentinel-secret";
                    }
                };
            }
        };
    }
}
