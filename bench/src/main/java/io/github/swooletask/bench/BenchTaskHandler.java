package io.github.swooletask.bench;

import java.nio.ByteBuffer;

import io.github.swooletask.spring.TaskHandler;

/**
 * The benchmark's default {@code @TaskHandler}: takes the payload as a {@link ByteBuffer} view (the cheapest
 * parameter type: no copy, no decoding) and only counts it.
 */
public class BenchTaskHandler {

    private final TaskCounter counter;

    public BenchTaskHandler(TaskCounter counter) {
        this.counter = counter;
    }

    /** Counts one task. */
    @TaskHandler
    public void onTask(ByteBuffer payload) {
        this.counter.record(payload.remaining());
    }
}
