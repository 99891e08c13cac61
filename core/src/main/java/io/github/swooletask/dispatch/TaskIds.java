package io.github.swooletask.dispatch;

import java.util.concurrent.atomic.AtomicInteger;

/** Task ids of one dispatcher: 1, 2, ... up to {@code Integer.MAX_VALUE}, then from 1 again; never 0. Thread-safe. */
final class TaskIds {

    private final AtomicInteger last = new AtomicInteger();

    int next() {
        int id;
        do {
            id = this.last.incrementAndGet() & Integer.MAX_VALUE;
        }
        while (id == 0);
        return id;
    }
}
