package io.github.swooletask.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogRateLimit;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.SpillFiles;

/**
 * N task worker threads that receive from a {@link TaskTransport}, decode, and run each task through a
 * {@link TaskProcessor}. A message that cannot become a task is logged once with its reason, counted, and the worker
 * takes the next one; a failing handler never ends a worker.
 *
 * <p>Lifecycle: {@link #start()}, optionally {@link #pause()}/{@link #resume()}, then {@link #stop(Duration)}:
 * stop receiving first, let running tasks finish within the timeout, then interrupt and report what was abandoned.
 */
public final class TaskWorkerPool {

    private static final Logger logger = LoggerFactory.getLogger(TaskWorkerPool.class);

    /** Longest wait, after interrupting the workers still busy at the stop timeout, for them to end. */
    private static final long ABANDON_GRACE_NANOS = 1_000_000_000L;

    private final TaskTransport transport;

    private final TaskWorker[] workers;

    private final Thread[] threads;

    private final WorkerStatistics statistics = new WorkerStatistics();

    private final AtomicInteger nextTarget = new AtomicInteger();

    private final AtomicBoolean swooleServerNoticed = new AtomicBoolean();

    volatile boolean stopping;

    volatile boolean paused;

    private volatile boolean started;

    private final ThreadFactory threadFactory;

    private final SpillFiles spillFiles;

    private final TaskProcessor processor;

    private final ReplySink replies;

    /** Replaces a worker thread that died, after a backoff; made on the first death. */
    private volatile @Nullable ScheduledExecutorService replacer;

    private final int[] deathsInARow;

    private final AtomicLong replaced = new AtomicLong();

    private final LogRateLimit failureLog = new LogRateLimit(TaskRunner.FAILURES_PER_SECOND, Duration.ofSeconds(1));

    /** The wait before a dead worker's first replacement; doubles with each death in a row (tests set it). */
    long firstReplacementDelayMillis = 100;

    private volatile @Nullable TaskRouting routing;

    /** The reserved workers of the routing, made at the first start. */
    private volatile ReservedWorkerThreads[] reserved = new ReservedWorkerThreads[0];

    /**
     * @param transport where tasks come from
     * @param spillFiles where spilled payloads are read
     * @param processor runs each task
     * @param replies receives results of tasks that asked for one ({@link ReplySink#NONE} when nobody waits)
     * @param workerCount number of worker threads
     * @param threadFactory makes the worker threads (see {@link #threadFactory(String, boolean)})
     */
    public TaskWorkerPool(TaskTransport transport, SpillFiles spillFiles, TaskProcessor processor, ReplySink replies,
            int workerCount, ThreadFactory threadFactory) {
        if (workerCount < 1) {
            throw new IllegalArgumentException("worker count must be at least 1, was " + workerCount);
        }
        this.transport = Objects.requireNonNull(transport, "transport");
        this.replies = Objects.requireNonNull(replies, "replies");
        this.spillFiles = spillFiles;
        this.processor = processor;
        this.threadFactory = threadFactory;
        this.workers = new TaskWorker[workerCount];
        this.threads = new Thread[workerCount];
        this.deathsInARow = new int[workerCount];
        for (int i = 0; i < workerCount; i++) {
            this.workers[i] = newWorker(i);
            this.threads[i] = threadFactory.newThread(this.workers[i]);
        }
    }

    private TaskWorker newWorker(int i) {
        return new TaskWorker(this, i, () -> this.transport.receiver(i), this.spillFiles, this.processor,
                this.replies, this.statistics);
    }

    /** The largest frame the transport carries, for the workers' decoders. */
    int maxFrameSize() {
        return this.transport.maxFrameSize();
    }

    /** A thread factory that makes daemon threads named {@code prefix + index}. */
    public static ThreadFactory threadFactory(String prefix) {
        return threadFactory(prefix, true);
    }

    /**
     * A thread factory that makes threads named {@code prefix + index}.
     * @param daemon false to keep the JVM alive while the workers run (as an application whose job is the workers
     * wants)
     */
    public static ThreadFactory threadFactory(String prefix, boolean daemon) {
        AtomicInteger count = new AtomicInteger();
        return (runnable) -> {
            Thread thread = new Thread(runnable, prefix + count.getAndIncrement());
            thread.setDaemon(daemon);
            return thread;
        };
    }

    /**
     * Starts every worker thread; after a {@link #stop} it starts them again (any number of times), with new
     * threads. A worker whose old thread is still stuck in a handler gets a new receiver rather than share its old
     * one.
     */
    public synchronized void start() {
        if (this.started && !this.stopping) {
            return;
        }
        boolean restart = this.started;
        this.transport.listen();
        startReservedWorkers();
        this.stopping = false;
        this.paused = false;
        this.started = true;
        for (int i = 0; i < this.threads.length; i++) {
            if (restart) {
                if (this.threads[i].isAlive()) {
                    logger.warn("Task worker {} is still in its last task from before the stop; a new worker takes"
                            + " its place", i);
                    this.workers[i] = newWorker(i);
                }
                this.threads[i] = this.threadFactory.newThread(this.workers[i]);
            }
            this.threads[i].start();
        }
    }

    /**
     * Lets {@code routing} send some tasks to reserved workers instead of running them on the shared worker that
     * received them. Call before {@link #start()}; the routing is asked for its reserved workers at each start.
     */
    public synchronized void useReservedWorkers(TaskRouting routing) {
        this.routing = Objects.requireNonNull(routing, "routing");
    }

    private void startReservedWorkers() {
        TaskRouting current = this.routing;
        if (current == null) {
            return;
        }
        List<ReservedWorkers> wanted = current.reservedWorkers();
        ReservedWorkerThreads[] threads = new ReservedWorkerThreads[wanted.size()];
        for (int i = 0; i < threads.length; i++) {
            ReservedWorkers settings = wanted.get(i);
            ThreadFactory factory = threadFactory("swoole-task-" + settings.id() + "-", false);
            threads[i] = new ReservedWorkerThreads(settings, current, this, this.processor, this.replies,
                    this.statistics, factory);
            if (settings.autoStartup()) {
                threads[i].start();
            }
        }
        this.reserved = threads;
    }

    /** The reserved workers that run this task, or null when the receiving worker runs it. */
    @Nullable ReservedWorkerThreads reservedFor(DecodedTask task) {
        TaskRouting current = this.routing;
        if (current == null) {
            return null;
        }
        int index = current.reservedFor(task);
        ReservedWorkerThreads[] threads = this.reserved;
        return (index >= 0 && index < threads.length) ? threads[index] : null;
    }

    /**
     * Starts the reserved workers of handler {@code id} (those with {@code autoStartup} false, or stopped).
     * @throws IllegalArgumentException when no reserved workers have that id
     */
    public void startReserved(String id) {
        reservedNamed(id).start();
    }

    /**
     * Stops the reserved workers of handler {@code id}: they finish what they hold within {@code timeout}; later
     * tasks for the handler wait for a {@link #startReserved}.
     * @return ids of the tasks cut short or given up
     */
    public List<Integer> stopReserved(String id, Duration timeout) {
        return reservedNamed(id).stop(timeout);
    }

    /**
     * Tasks handed to the reserved workers of handler {@code id} and not yet begun.
     * @throws IllegalArgumentException when no reserved workers have that id
     */
    public int reservedBacklog(String id) {
        return reservedNamed(id).backlogSize();
    }

    /** Whether the reserved workers of handler {@code id} run. */
    public boolean isReservedRunning(String id) {
        return reservedNamed(id).isRunning();
    }

    private ReservedWorkerThreads reservedNamed(String id) {
        for (ReservedWorkerThreads threads : this.reserved) {
            if (threads.settings().id().equals(id)) {
                return threads;
            }
        }
        throw new IllegalArgumentException("no reserved workers for handler '" + id + "' (there are: "
                + reservedIds() + "); reserved workers exist for handlers with a concurrency, once the pool started");
    }

    /** The ids of the handlers with reserved workers, once the pool started. */
    public List<String> reservedIds() {
        List<String> ids = new ArrayList<>();
        for (ReservedWorkerThreads threads : this.reserved) {
            ids.add(threads.settings().id());
        }
        return ids;
    }

    /**
     * Told by a worker whose thread is ending through an unexpected error: a new thread takes its place after a
     * backoff (100 ms, doubling with each death in a row up to 10 s), so the pool keeps its size.
     */
    void workerDied(int id) {
        long delayMillis;
        int deaths;
        synchronized (this) {
            if (this.stopping) {
                return;
            }
            deaths = ++this.deathsInARow[id];
            delayMillis = Math.min(Math.max(10_000L, this.firstReplacementDelayMillis),
                    this.firstReplacementDelayMillis << Math.min(deaths - 1, 7));
            replacer().schedule(() -> replace(id), delayMillis, TimeUnit.MILLISECONDS);
        }
        logger.warn("Task worker {} will be replaced in {} ms ({} death(s) in a row)", id, delayMillis, deaths);
    }

    /** Told by a worker that ran a task through: its deaths are no longer in a row. */
    void workerSucceeded(int id) {
        if (this.deathsInARow[id] != 0) {
            synchronized (this) {
                this.deathsInARow[id] = 0;
            }
        }
    }

    private synchronized void replace(int id) {
        if (this.stopping || !this.started || this.threads[id].isAlive()) {
            return;
        }
        // the dead worker's receiver may hold a message it never completed: a new worker starts on a fresh one
        this.workers[id].releaseReceiver();
        this.workers[id] = newWorker(id);
        String name = this.threads[id].getName();
        this.threads[id] = this.threadFactory.newThread(this.workers[id]);
        this.threads[id].setName(name);
        this.threads[id].start();
        this.replaced.incrementAndGet();
        logger.info("Task worker {} was replaced by a new thread", id);
    }

    private ScheduledExecutorService replacer() {
        ScheduledExecutorService scheduler = this.replacer;
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
                Thread thread = new Thread(runnable, "swoole-task-worker-replacer");
                thread.setDaemon(true);
                return thread;
            });
            this.replacer = scheduler;
        }
        return scheduler;
    }

    /** The limit on failed-task log lines every worker of this pool shares. */
    LogRateLimit failureLog() {
        return this.failureLog;
    }

    /** How many worker threads were replaced after dying of an unexpected error. */
    public long replacedCount() {
        return this.replaced.get();
    }

    public boolean isRunning() {
        return this.started && !this.stopping;
    }

    /** Stops taking new messages until {@link #resume()}; running tasks finish. */
    public void pause() {
        this.paused = true;
        wakeReceiving();
    }

    /** Takes messages again after {@link #pause()}. */
    public void resume() {
        this.paused = false;
        for (Thread thread : this.threads) {
            LockSupport.unpark(thread);
        }
    }

    public boolean isPaused() {
        return this.paused;
    }

    /**
     * Stops receiving, waits up to {@code timeout} for running tasks, then interrupts the workers still busy.
     * @return the tasks that were abandoned
     */
    public StopReport stop(Duration timeout) {
        synchronized (this) {
            if (!this.started || this.stopping) {
                this.stopping = true;
                return new StopReport(List.of(), 0);
            }
            this.stopping = true;
        }
        ScheduledExecutorService scheduler = this.replacer;
        if (scheduler != null) {
            scheduler.shutdownNow();
            this.replacer = null;
        }
        resume();
        wakeReceiving();
        long deadline = System.nanoTime() + timeout.toNanos();
        ThreadJoins.joinAll(Arrays.asList(this.threads), deadline);
        // a worker still blocked in a receive may have missed its wake-up frame (a full queue): one more each
        wakeReceiving();
        List<Integer> abandoned = new ArrayList<>();
        int stuck = 0;
        for (int i = 0; i < this.workers.length; i++) {
            if (!this.threads[i].isAlive()) {
                continue;
            }
            stuck++;
            TaskWorker worker = this.workers[i];
            if (worker.state() == WorkerState.BUSY) {
                abandoned.add(worker.currentTaskId());
            }
            this.threads[i].interrupt();
        }
        if (!abandoned.isEmpty()) {
            logger.warn("Task workers stopped after {} ms with tasks still running; abandoned task ids: {}",
                    timeout.toMillis(), abandoned);
        }
        else if (stuck > 0) {
            logger.warn("{} task worker(s) could not be woken within {} ms and were interrupted", stuck,
                    timeout.toMillis());
        }
        if (stuck > 0) {
            // an interrupted handler usually throws at once: let it reach the recoverer (e.g. the dead-letter file)
            // before the caller goes on, often to exit the JVM, which would otherwise cut that write short
            long graceEnd = System.nanoTime() + Math.min(timeout.toNanos(), ABANDON_GRACE_NANOS);
            ThreadJoins.joinAll(Arrays.asList(this.threads), graceEnd);
        }
        giveUpStuckTasks();
        long left = Math.max(0, deadline - System.nanoTime());
        for (ReservedWorkerThreads threads : this.reserved) {
            List<Integer> cutShort = threads.stop(Duration.ofNanos(left));
            if (!cutShort.isEmpty()) {
                logger.warn("Reserved workers of '{}' stopped with tasks running or never begun; abandoned task ids:"
                        + " {}", threads.settings().id(), cutShort);
                abandoned.addAll(cutShort);
            }
            left = Math.max(0, deadline - System.nanoTime());
        }
        return new StopReport(List.copyOf(abandoned), stuck);
    }

    /**
     * A handler that ignored the interrupt still holds its worker after the grace time: its task goes to the routing's
     * {@link TaskRouting#abandoned} (a dead-letter recoverer), as the stop gives up on it.
     */
    private void giveUpStuckTasks() {
        TaskRouting current = this.routing;
        if (current == null) {
            return;
        }
        for (int i = 0; i < this.workers.length; i++) {
            if (!this.threads[i].isAlive()) {
                continue;
            }
            DecodedTask task = this.workers[i].copyOfCurrentTask();
            if (task == null) {
                continue;
            }
            try {
                current.abandoned(task, "still running on task worker " + i + ", which ignored the interrupt, when"
                        + " the stop gave up on it");
            }
            catch (RuntimeException ex) {
                logger.error("Task {} abandoned on task worker {} could not be kept: {}", task.taskId(), i,
                        ex.toString());
            }
        }
    }

    /**
     * Sends one wake-up frame for each worker blocked in a receive. States are read first, then frames sent: in mode
     * 3 any worker may take any frame, so one frame per blocked worker wakes them all whichever takes which.
     */
    private void wakeReceiving() {
        boolean[] receiving = new boolean[this.workers.length];
        for (int i = 0; i < receiving.length; i++) {
            receiving[i] = this.workers[i].state() == WorkerState.RECEIVING;
        }
        for (int i = 0; i < receiving.length; i++) {
            if (receiving[i]) {
                this.transport.wake(i);
            }
        }
    }

    /**
     * Logs once that tasks from a Swoole server's own {@code $server->task()} reach these workers (40-byte layout,
     * NONBLOCK without NOREPLY): they run, but their results cannot reach the server's {@code onFinish}.
     */
    void noticeSwooleServerTask(DecodedTask task) {
        if (this.swooleServerNoticed.compareAndSet(false, true)) {
            logger.warn("Task {} came from a Swoole server's own $server->task() (40-byte {} layout, from worker {},"
                    + " no NOREPLY): its handler runs here, but its result cannot reach the server's onFinish, since"
                    + " that pipe is private to the server. Said once; later such tasks run the same way",
                    task.taskId(), task.format().label(), task.fromId());
        }
    }

    /**
     * Picks a worker for a directed task: an idle one first (round robin among them), otherwise the next in turn.
     */
    public int selectWorker() {
        int n = this.workers.length;
        if (n == 1) {
            return 0;  // no choice to make: reading the worker's state would only pull its cache line over
        }
        int start = (this.nextTarget.getAndIncrement() & Integer.MAX_VALUE) % n;
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            if (this.workers[i].state() == WorkerState.RECEIVING) {
                return i;
            }
        }
        return start;
    }

    /** Number of workers. */
    public int size() {
        return this.workers.length;
    }

    /** The state of worker {@code i}. */
    public WorkerState state(int i) {
        return this.workers[i].state();
    }

    /** Workers running a task now, reserved ones included. */
    public int activeCount() {
        int n = count(WorkerState.BUSY);
        for (ReservedWorkerThreads threads : this.reserved) {
            n += threads.busyCount();
        }
        return n;
    }

    /** The workers that have been on one message (a task, or the tasks of a batch) for {@code longer} or more. */
    public List<BusyWorker> busyLongerThan(Duration longer) {
        long now = System.nanoTime();
        List<BusyWorker> found = new ArrayList<>();
        for (TaskWorker worker : this.workers) {
            if (worker.state() == WorkerState.BUSY) {
                long busy = now - worker.busySinceNanos();
                if (busy >= longer.toNanos()) {
                    found.add(new BusyWorker(worker.id(), worker.currentTaskId(), Duration.ofNanos(busy)));
                }
            }
        }
        return found;
    }

    /** Workers paused now. */
    public int pausedCount() {
        return count(WorkerState.PAUSED);
    }

    /** Workers that ended by an unexpected error. */
    public int deadCount() {
        return count(WorkerState.DIED);
    }

    private int count(WorkerState state) {
        int n = 0;
        for (TaskWorker worker : this.workers) {
            if (worker.state() == state) {
                n++;
            }
        }
        return n;
    }

    public WorkerStatistics statistics() {
        return this.statistics;
    }
}
