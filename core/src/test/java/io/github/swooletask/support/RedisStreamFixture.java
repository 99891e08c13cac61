package io.github.swooletask.support;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stream name of each test's own on a {@link RedisServerExtension}'s server, with a raw (byte) connection to look
 * at it, and the removal of every key that starts with that name after the test, also when it failed. Use it as a
 * non-static {@code @RegisterExtension} field beside the static server.
 */
public final class RedisStreamFixture implements BeforeEachCallback, AfterEachCallback {

    private final RedisServerExtension server;

    private final String prefix;

    private String stream;

    private RedisClient client;

    private StatefulRedisConnection<byte[], byte[]> connection;

    /** @param prefix the start of each test's stream name, before random hex digits */
    public RedisStreamFixture(RedisServerExtension server, String prefix) {
        this.server = server;
        this.prefix = prefix;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        this.stream = this.prefix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        this.client = RedisClient.create(this.server.uri());
        this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            for (byte[] key : this.connection.sync().keys(bytes(this.stream + "*"))) {
                this.connection.sync().del(key);
            }
        }
        finally {
            this.connection.close();
            this.client.shutdown();
        }
    }

    /** This test's stream. */
    public String stream() {
        return this.stream;
    }

    /** Commands on the raw connection, keys and values as bytes. */
    public RedisCommands<byte[], byte[]> commands() {
        return this.connection.sync();
    }

    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
