package io.github.swooletask.manyhosts;

import java.nio.charset.StandardCharsets;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.swooletask.spring.TaskHandler;

/**
 * One instance of a many-hosts test, started in a JVM of its own (in a package of its own, so that it scans none
 * of the sample app's beans and the sample app none of its): its default handler records every task it ran in
 * Redis ({@code SADD <stream>:handled <payload>}, {@code INCR <stream>:runs}) after a short piece of work, so the
 * test sees what every instance did, duplicates included, even of an instance killed with {@code kill -9}.
 */
@SpringBootApplication
public class RedisWorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(RedisWorkerApplication.class, args);
    }

    @Bean
    Recorder recorder(StringRedisTemplate redis) {
        return new Recorder(redis);
    }

    /** Records each task in Redis. */
    public static class Recorder {

        private final StringRedisTemplate redis;

        Recorder(StringRedisTemplate redis) {
            this.redis = redis;
        }

        @TaskHandler
        public void record(byte[] payload) throws InterruptedException {
            Thread.sleep(2);
            String stream = System.getProperty("test.stream");
            this.redis.opsForSet().add(stream + ":handled", new String(payload, StandardCharsets.UTF_8));
            this.redis.opsForValue().increment(stream + ":runs");
        }
    }
}
