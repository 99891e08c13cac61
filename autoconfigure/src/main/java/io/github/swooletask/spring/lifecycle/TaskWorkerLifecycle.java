package io.github.swooletask.spring.lifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.StopReport;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Starts the task workers when the application context is ready and stops them gracefully: stop receiving, let
 * running handlers finish within the drain timeout, then interrupt and log the ids of abandoned tasks. Stop and start
 * work any number of times ({@code context.stop()}/{@code start()}, {@code pause()}/{@code restart()}, checkpoints);
 * the context's asynchronous {@link #stop(Runnable)} drains on its own thread, within the shutdown phase's timeout.
 * An application without {@code @TaskHandler} methods starts no worker and binds no socket. Also sweeps spill files
 * that no message will ever claim.
 */
public class TaskWorkerLifecycle implements SmartLifecycle {

    /** Stops after the web server (which stops at {@code DEFAULT_PHASE - 2048}) so in-flight requests can dispatch. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** Time a stop needs beyond the drain: interrupting stuck workers and their last recoverer writes. */
    static final Duration STOP_OVERHEAD = Duration.ofSeconds(2);

    private static final Logger logger = LoggerFactory.getLogger(TaskWorkerLifecycle.class);

    private final TaskWorkerPool pool;

    private final TaskHandlerInvoker invoker;

    private final BooleanSupplier hasHandlers;

    private final SpillFiles spillFiles;

    private final Runnable beforeStop;

    private final Duration drainTimeout;

    private final Duration spillMaxAge;

    private final boolean autoStartup;

    /** One start or stop at a time; a semaphore, since an asynchronous stop releases it on its own thread. */
    private final Semaphore turn = new Semaphore(1);

    private @Nullable ScheduledExecutorService sweeper;

    private volatile boolean running;

    private volatile boolean workersStarted;

    private volatile @Nullable StopReport lastStop;

    /**
     * @param hasHandlers whether the application has any {@code @TaskHandler} method, asked at each start
     * @param beforeStop runs first when stopping, e.g. sending the dispatcher's open batches
     * @param shutdownTimeout how long running handlers may take to finish at a stop
     * @param phaseTimeout the context's {@code spring.lifecycle.timeout-per-shutdown-phase}: the drain is cut to fit
     */
    public TaskWorkerLifecycle(TaskWorkerPool pool, TaskHandlerInvoker invoker, BooleanSupplier hasHandlers,
            SpillFiles spillFiles, Runnable beforeStop, Duration shutdownTimeout, Duration phaseTimeout,
            Duration spillMaxAge, boolean autoStartup) {
        this.pool = pool;
        this.invoker = invoker;
        this.hasHandlers = hasHandlers;
        this.spillFiles = spillFiles;
        this.beforeStop = beforeStop;
        this.drainTimeout = drainTimeout(shutdownTimeout, phaseTimeout);
        this.spillMaxAge = spillMaxAge;
        this.autoStartup = autoStartup;
    }

    /** The shutdown timeout, cut so that the drain and the stop's own overhead fit in the shutdown phase. */
    static Duration drainTimeout(Duration shutdownTimeout, Duration phaseTimeout) {
        Duration room = phaseTimeout.minus(STOP_OVERHEAD);
        if (room.isNegative()) {
            room = Duration.ZERO;
        }
        if (shutdownTimeout.compareTo(room) <= 0) {
            return shutdownTimeout;
        }
        logger.warn("swoole.task.shutdown-timeout ({}) does not fit in spring.lifecycle.timeout-per-shutdown-phase"
                + " ({}): running handlers get {} to finish at a stop. Raise spring.lifecycle.timeout-per-shutdown-phase"
                + " to at least {} to give them the whole shutdown timeout", shutdownTimeout, phaseTimeout, room,
                shutdownTimeout.plus(STOP_OVERHEAD));
        return room;
    }

    /** How long running handlers may take to finish at a stop. */
    public Duration drainTimeout() {
        return this.drainTimeout;
    }

    @Override
    public void start() {
        this.turn.acquireUninterruptibly();
        try {
            if (this.running) {
                return;
            }
            if (!this.hasHandlers.getAsBoolean()) {
                this.running = true;
                logger.info("No @TaskHandler methods in this application: no task worker started and no socket bound"
                        + " (TaskTemplate can still dispatch to another application's queue)");
                return;
            }
            this.invoker.startup();
            sweepSpillFiles();
            long period = Math.max(60_000L, this.spillMaxAge.toMillis() / 4);
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
                Thread thread = new Thread(runnable, "swoole-task-spill-sweeper");
                thread.setDaemon(true);
                return thread;
            });
            scheduler.scheduleWithFixedDelay(this::sweepSpillFiles, period, period, TimeUnit.MILLISECONDS);
            this.sweeper = scheduler;
            boolean again = this.lastStop != null;
            this.pool.start();
            this.workersStarted = true;
            this.running = true;
            logger.info("{} {} task worker(s)", again ? "Started again" : "Started", this.pool.size());
        }
        finally {
            this.turn.release();
        }
    }

    /** Stops on the calling thread: returns once the workers ended or the drain timeout cut them short. */
    @Override
    public void stop() {
        this.turn.acquireUninterruptibly();
        try {
            if (this.running) {
                this.running = false;
                drain();
            }
        }
        finally {
            this.turn.release();
        }
    }

    /**
     * Stops on a thread of its own and runs {@code callback} when done, so the context stops its other beans of this
     * phase meanwhile; {@link #isRunning()} is false at once. A {@link #start()} in the meantime waits for the stop
     * to end.
     */
    @Override
    public void stop(Runnable callback) {
        this.turn.acquireUninterruptibly();
        if (!this.running) {
            this.turn.release();
            callback.run();
            return;
        }
        this.running = false;
        Thread stopper = new Thread(() -> {
            try {
                drain();
            }
            catch (RuntimeException ex) {
                logger.error("Task workers did not stop cleanly", ex);
            }
            finally {
                this.turn.release();
                callback.run();
            }
        }, "swoole-task-stop");
        stopper.start();
    }

    private void drain() {
        if (!this.workersStarted) {
            return;
        }
        this.workersStarted = false;
        try {
            this.beforeStop.run();
        }
        catch (RuntimeException ex) {
            logger.error("Could not send open task batches before stopping: {}", ex.getMessage());
        }
        this.invoker.shutdown();
        StopReport report = this.pool.stop(this.drainTimeout);
        this.lastStop = report;
        ScheduledExecutorService scheduler = this.sweeper;
        if (scheduler != null) {
            scheduler.shutdownNow();
            this.sweeper = null;
        }
        if (report.clean()) {
            logger.info("Stopped {} task worker(s)", this.pool.size());
        }
    }

    /** What the last stop left undone, or null before a stop. */
    public @Nullable StopReport lastStop() {
        return this.lastStop;
    }

    /** Whether task workers run now (false in an application without handlers). */
    public boolean hasWorkers() {
        return this.workersStarted;
    }

    private void sweepSpillFiles() {
        try {
            int deleted = this.spillFiles.sweep(this.spillMaxAge);
            if (deleted > 0) {
                logger.warn("Deleted {} spill file(s) older than {} in {}: their tasks were never consumed", deleted,
                        this.spillMaxAge, this.spillFiles.directory());
            }
        }
        catch (RuntimeException ex) {
            logger.warn("Could not sweep old spill files: {}", ex.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public boolean isAutoStartup() {
        return this.autoStartup;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
