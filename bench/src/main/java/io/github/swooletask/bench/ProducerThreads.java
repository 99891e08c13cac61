package io.github.swooletask.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs the dispatching side: {@code threads} producer threads share {@code tasks} dispatches between them, all
 * released at the same instant, which is the start of the timed interval.
 */
final class ProducerThreads {

    /** One dispatch of one task. */
    @FunctionalInterface
    interface Dispatch {
        void dispatch() throws Exception;
    }

    /** What a round of dispatching did. */
    record Round(long startNanos, long dispatched) {
    }

    private ProducerThreads() {
    }

    /**
     * Dispatches {@code tasks} tasks from {@code threads} threads and waits until every dispatch returned.
     * @return when the threads were released, and how many dispatches succeeded
     * @throws IllegalStateException with the first dispatch failure
     */
    static Round run(String name, int threads, long tasks, Dispatch dispatch) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        LongAdder dispatched = new LongAdder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] producers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            long share = tasks / threads + ((t < tasks % threads) ? 1 : 0);
            producers[t] = new Thread(() -> {
                long done = 0;
                try {
                    go.await();
                    for (long i = 0; i < share; i++) {
                        dispatch.dispatch();
                        done++;
                    }
                }
                catch (Throwable ex) {
                    failure.compareAndSet(null, ex);
                }
                finally {
                    dispatched.add(done);
                }
            }, name + "-producer-" + t);
            producers[t].setDaemon(true);
            producers[t].start();
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread producer : producers) {
            producer.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(name + ": dispatch failed after " + dispatched.sum() + " tasks: "
                    + failure.get(), failure.get());
        }
        return new Round(start, dispatched.sum());
    }
}
