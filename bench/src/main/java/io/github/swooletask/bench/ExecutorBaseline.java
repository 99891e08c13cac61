package io.github.swooletask.bench;

import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a Spring user gets from {@code @Async} without swoole-task: a {@link ThreadPoolExecutor} with as many threads
 * as task workers, each task a {@link Runnable} carrying its own copy of the payload, counted like the
 * {@code @TaskHandler}. The queue is unbounded in effect (as Boot's default executor) but capped at 64 MiB of
 * payload, so large payloads cannot exhaust the heap: past the cap producers wait for room.
 */
final class ExecutorBaseline {

    private static final long QUEUE_PAYLOAD_CAP = 64L * 1024 * 1024;

    private ExecutorBaseline() {
    }

    static RunResult run(BenchOptions options) throws InterruptedException {
        TaskCounter counter = new TaskCounter();
        int capacity = (int) Math.max(1024, Math.min(Integer.MAX_VALUE, QUEUE_PAYLOAD_CAP / options.payload()));
        AtomicInteger threadIds = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(options.workers(), options.workers(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(capacity), (runnable) -> {
                    Thread thread = new Thread(runnable, "executor-worker-" + threadIds.getAndIncrement());
                    thread.setDaemon(true);
                    return thread;
                }, (runnable, executor) -> {
                    try {
                        executor.getQueue().put(runnable);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new RejectedExecutionException("interrupted while waiting for room", ex);
                    }
                });
        pool.prestartAllCoreThreads();
        try {
            byte[] payload = new byte[options.payload()];
            Arrays.fill(payload, (byte) 0xAB);
            ProducerThreads.Dispatch dispatch = () -> pool.execute(new PayloadTask(counter, payload.clone()));

            counter.expect(options.warmup(), options.payload());
            ProducerThreads.Round warm = ProducerThreads.run("executor-warmup", options.producers(),
                    options.warmup(), dispatch);
            counter.awaitPhase(SwooleRun.STALL_SECONDS, "executor warm-up");

            counter.expect(options.tasks(), options.payload());
            ProducerThreads.Round timed = ProducerThreads.run("executor", options.producers(), options.tasks(),
                    dispatch);
            counter.awaitPhase(SwooleRun.STALL_SECONDS, "executor");
            double seconds = (counter.lastNanos() - timed.startNanos()) / 1e9;
            return new RunResult("ThreadPoolExecutor", "-", options.payload(), options.workers(),
                    Integer.toString(options.producers()), options.tasks(), seconds, options.tasks() / seconds, -1,
                    warm.dispatched() + timed.dispatched(), counter.handled(), "first submit to last task run");
        }
        finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** One task: its own payload copy, counted when run. */
    private record PayloadTask(TaskCounter counter, byte[] payload) implements Runnable {

        @Override
        public void run() {
            this.counter.record(this.payload.length);
        }
    }
}
