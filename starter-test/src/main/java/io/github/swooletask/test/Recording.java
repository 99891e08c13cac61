package io.github.swooletask.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a test saw happen, in order, written by worker or dispatching threads and awaited by the test's thread.
 * Thread-safe.
 */
final class Recording<T> {

    private final String what;

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition added = this.lock.newCondition();

    private final List<T> items = new ArrayList<>();

    /** @param what what is recorded, plural, for the message of a failed wait ("handler runs") */
    Recording(String what) {
        this.what = what;
    }

    void add(List<T> items) {
        this.lock.lock();
        try {
            this.items.addAll(items);
            this.added.signalAll();
        }
        finally {
            this.lock.unlock();
        }
    }

    void add(T item) {
        add(List.of(item));
    }

    List<T> snapshot() {
        this.lock.lock();
        try {
            return List.copyOf(this.items);
        }
        finally {
            this.lock.unlock();
        }
    }

    void clear() {
        this.lock.lock();
        try {
            this.items.clear();
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Waits until at least {@code count} are recorded.
     * @return every one recorded so far
     * @throws AssertionError when fewer came within the timeout, listing those that came
     */
    List<T> await(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        this.lock.lock();
        try {
            while (this.items.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " " + this.what + " within " + timeout
                            + ", saw " + this.items.size() + ": " + this.items);
                }
                this.added.awaitNanos(left);
            }
            return List.copyOf(this.items);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + count + " " + this.what, ex);
        }
        finally {
            this.lock.unlock();
        }
    }
}
