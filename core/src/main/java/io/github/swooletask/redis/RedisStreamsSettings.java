package io.github.swooletask.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How the Redis Streams transport uses its streams.
 *
 * @param stream the stream tasks are entries of (field {@code frame})
 * @param group the consumer group every worker of every instance reads with
 * @param instanceId this instance's name: its workers are consumers {@code <instanceId>-<worker>} and its call results
 * arrive on {@code <stream>:replies:<instanceId>}
 * @param directed ipc-mode 2 semantics: worker {@code N} of every instance also reads {@code <stream>:worker:<N>}, where
 * a task addressed to worker {@code N} goes
 * @param workers workers per instance
 * @param claimAfter how long an entry stays pending with a consumer before live consumers claim it
 * @param maxLength most entries the stream may hold (delivered but unacknowledged ones included) before a dispatch
 * finds it full
 * @param maxDeliveries how many deliveries an entry gets before it goes to the dead-letter stream instead
 * @param deadLetterStream where entries that could not be handled go, with the reason
 * @param maxPayload the largest payload carried inline
 * @param readCount most entries one read takes
 * @param blockTimeout how long one blocking read waits (and so how long a pause or stop may take to be seen)
 */
public record RedisStreamsSettings(String stream, String group, String instanceId, boolean directed, int workers,
        Duration claimAfter, long maxLength, long maxDeliveries, String deadLetterStream, int maxPayload,
        int readCount, Duration blockTimeout) {

    public RedisStreamsSettings {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(deadLetterStream, "deadLetterStream");
        if (stream.isBlank() || group.isBlank() || instanceId.isBlank()) {
            throw new IllegalArgumentException("stream, group and instance id must not be blank");
        }
        if (workers < 1 || readCount < 1 || maxLength < 1 || maxDeliveries < 1 || maxPayload < 1) {
            throw new IllegalArgumentException("workers, read count, max length, max deliveries and max payload must"
                    + " be positive");
        }
    }

    /** Defaults for a stream: group {@code swoole-task}, claim after 30 s, 1,000,000 entries, 3 deliveries. */
    public static RedisStreamsSettings of(String stream, String instanceId, int workers) {
        return new RedisStreamsSettings(stream, "swoole-task", instanceId, false, workers, Duration.ofSeconds(30),
                1_000_000, 3, stream + ":dead-letters", 16 << 20, 64, Duration.ofMillis(500));
    }

    /** The stream of tasks addressed to worker {@code worker} (ipc-mode 2). */
    public String workerStream(int worker) {
        return this.stream + ":worker:" + worker;
    }

    /** The stream the results of this instance's calls arrive on. */
    public String replyStream() {
        return this.stream + ":replies:" + this.instanceId;
    }

    /** The consumer name of worker {@code worker} of this instance. */
    public String consumer(int worker) {
        return this.instanceId + "-" + worker;
    }

    public RedisStreamsSettings withDirected(boolean directed) {
        return new RedisStreamsSettings(this.stream, this.group, this.instanceId, directed, this.workers,
                this.claimAfter, this.maxLength, this.maxDeliveries, this.deadLetterStream, this.maxPayload,
                this.readCount, this.blockTimeout);
    }

    public RedisStreamsSettings withLimits(Duration claimAfter, long maxLength, long maxDeliveries, int maxPayload) {
        return new RedisStreamsSettings(this.stream, this.group, this.instanceId, this.directed, this.workers,
                claimAfter, maxLength, maxDeliveries, this.deadLetterStream, maxPayload, this.readCount,
                this.blockTimeout);
    }

    public RedisStreamsSettings withNames(String group, String deadLetterStream) {
        return new RedisStreamsSettings(this.stream, group, this.instanceId, this.directed, this.workers,
                this.claimAfter, this.maxLength, this.maxDeliveries, deadLetterStream, this.maxPayload,
                this.readCount, this.blockTimeout);
    }

    public RedisStreamsSettings withReads(int readCount, Duration blockTimeout) {
        return new RedisStreamsSettings(this.stream, this.group, this.instanceId, this.directed, this.workers,
                this.claimAfter, this.maxLength, this.maxDeliveries, this.deadLetterStream, this.maxPayload, readCount,
                blockTimeout);
    }
}
