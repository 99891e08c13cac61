package io.github.swooletask.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.wire.DecodedTask;

/**
 * The threads of one {@link ReservedWorkers}: a bounded backlog of tasks handed over by the shared workers, taken by
 * {@code threads} threads of its own. Startable and stoppable on its own and with the pool.
 */
final class ReservedWorkerThreads {

    private static final Logger logger = LoggerFactory.getLogger(ReservedWorkerThreads.class);

    /** How often a waiting thread looks whether it should stop. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ReservedWorkers settings;

    private final TaskRouting routing;

    private final TaskWorkerPool pool;

    private final TaskProcessor processor;

    private final ReplySink replies;

    private final WorkerStatistics statistics;

    private final ThreadFactory threadFactory;

    private final ArrayBlockingQueue<HandedOver> backlog;

    private final AtomicInteger busy = new AtomicInteger();

    private final List<Thread> threads = new ArrayList<>();

    private final List<TaskRunner> runners = new ArrayList<>();

    private volatile boolean running;

    private volatile boolean draining;

    private volatile boolean warnedWaiting;

    ReservedWorkerThreads(ReservedWorkers settings, TaskRouting routing, TaskWorkerPool pool, TaskProcessor processor,
            ReplySink replies, WorkerStatistics statistics, ThreadFactory threadFactory) {
        this.settings = settings;
        this.routing = routing;
        this.pool = pool;
        this.processor = processor;
        this.replies = replies;
        this.statistics = statistics;
        this.threadFactory = threadFactory;
        this.backlog = new ArrayBlockingQueue<>(settings.backlogCapacity());
    }

    ReservedWorkers settings() {
        return this.settings;
    }

    boolean isRunning() {
        return this.running;
    }

    /** Threads running a task now. */
    int busyCount() {
        return this.busy.get();
    }

    /** Tasks handed over and not yet begun. */
    int backlogSize() {
        return this.backlog.size();
    }

    /**
     * Takes a task from a shared worker, waiting for room while the backlog is full (or these threads are not
     * started). A pool stop ends the wait: the task is then given up as {@linkplain TaskRouting#abandoned abandoned}.
     */
    void accept(DecodedTask task, MessageCompletion completion) {
        HandedOver handedOver = new HandedOver(task, completion);
        try {
            while (!this.backlog.offer(handedOver, POLL_NANOS, TimeUnit.NANOSECONDS)) {
                if (this.pool.stopping) {
                    abandon(handedOver);
                    return;
                }
                if (!this.running && !this.warnedWaiting) {
                    this.warnedWaiting = true;
                    logger.warn("Tasks for handler '{}' wait for its reserved workers, which are not started; the"
                            + " shared workers wait with them once {} are waiting", this.settings.id(),
                            this.backlog.size());
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            abandon(handedOver);
        }
    }

    synchronized void start() {
        if (this.running) {
            return;
        }
        this.draining = false;
        this.warnedWaiting = false;
        this.threads.clear();
        this.runners.clear();
        for (int i = 0; i < this.settings.threads(); i++) {
            TaskRunner runner = new TaskRunner(this.pool, "Reserved worker " + this.settings.id() + "-" + i,
                    this.processor, this.replies, this.statistics);
            Thread thread = this.threadFactory.newThread(() -> work(runner));
            this.runners.add(runner);
            this.threads.add(thread);
        }
        this.running = true;
        this.threads.forEach(Thread::start);
    }

    private void work(TaskRunner runner) {
        while (true) {
            HandedOver next;
            try {
                next = this.backlog.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
            }
            catch (InterruptedException ex) {
                return;
            }
            if (next == null) {
                if (!this.running || this.draining) {
                    return;
                }
                continue;
            }
            this.busy.incrementAndGet();
            if (this.settings.batchSize() > 1) {
                runBatch(runner, next);
                continue;
            }
            try {
                runner.run(next.task());
            }
            catch (Error error) {
                // the thread would end: keep it, the handler's Error is counted and logged
                logger.error("Reserved worker of '{}' caught an Error from task {}", this.settings.id(),
                        next.task().taskId(), error);
            }
            finally {
                this.busy.decrementAndGet();
                next.completion().release();
            }
        }
    }

    /**
     * Runs {@code first} with the tasks that wait behind it, up to the batch size: never waits for more, so a
     * batch is one task while they come slowly and grows while they come faster than the handler runs.
     */
    private void runBatch(TaskRunner runner, HandedOver first) {
        List<HandedOver> batch = new ArrayList<>(Math.min(this.settings.batchSize(), this.backlog.size() + 1));
        batch.add(first);
        this.backlog.drainTo(batch, this.settings.batchSize() - 1);
        List<DecodedTask> tasks = new ArrayList<>(batch.size());
        for (HandedOver handedOver : batch) {
            tasks.add(handedOver.task());
        }
        try {
            runner.runBatch(tasks);
        }
        catch (Error error) {
            logger.error("Reserved worker of '{}' caught an Error from a batch of {} tasks (first {})",
                    this.settings.id(), tasks.size(), first.task().taskId(), error);
        }
        finally {
            this.busy.decrementAndGet();
            for (HandedOver handedOver : batch) {
                handedOver.completion().release();
            }
        }
    }

    /**
     * Runs what is handed over until the backlog is empty or {@code timeout} passed, then interrupts the threads
     * still busy and gives up what was never begun. Called after the shared workers stopped handing over.
     * @return ids of the tasks running or never begun at the timeout
     */
    synchronized List<Integer> stop(Duration timeout) {
        if (!this.running) {
            return abandonBacklog();
        }
        this.draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        ThreadJoins.joinAll(this.threads, deadline);
        List<Integer> cutShort = new ArrayList<>();
        for (int i = 0; i < this.threads.size(); i++) {
            if (this.threads.get(i).isAlive()) {
                cutShort.addAll(this.runners.get(i).currentTaskIds());
                this.threads.get(i).interrupt();
            }
        }
        this.running = false;
        cutShort.addAll(abandonBacklog());
        return cutShort;
    }

    private List<Integer> abandonBacklog() {
        List<Integer> ids = new ArrayList<>();
        HandedOver left;
        while ((left = this.backlog.poll()) != null) {
            ids.add(left.task().taskId());
            abandon(left);
        }
        return ids;
    }

    private void abandon(HandedOver handedOver) {
        try {
            this.routing.abandoned(handedOver.task(), "never begun by the reserved workers of '" + this.settings.id()
                    + "' before the stop");
        }
        catch (RuntimeException ex) {
            logger.error("Task {} of handler '{}' was abandoned and could not be kept: {}",
                    handedOver.task().taskId(), this.settings.id(), ex.getMessage());
        }
        finally {
            handedOver.completion().release();
        }
    }

    /** A task handed over with the completion of the message it came in. */
    private record HandedOver(DecodedTask task, MessageCompletion completion) {
    }
}
