package io.github.swooletask.spring.lifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.StopReport;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Starts the task workers when the application context is ready and stops them gracefully: stop receiving, let
 * running handlers finish within the shutdown timeout, then interrupt and log the ids of abandoned tasks. Also
 * sweeps spill files that no message will ever claim.
 */
public class TaskWorkerLifecycle implements SmartLifecycle {

    /** Stops after the web server (which stops at {@code DEFAULT_PHASE - 2048}) so in-flight requests can dispatch. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger logger = LoggerFactory.getLogger(TaskWorkerLifecycle.class);

    private final TaskWorkerPool pool;

    private final TaskHandlerInvoker invoker;

    private final SpillFiles spillFiles;

    private final Runnable beforeStop;

    private final Duration shutdownTimeout;

    private final Duration spillMaxAge;

    private final boolean autoStartup;

    private ScheduledExecutorService sweeper;

    private volatile boolean running;

    private volatile StopReport lastStop;

    /**
     * @param beforeStop runs first when stopping, e.g. sending the dispatcher's open batches
     */
    public TaskWorkerLifecycle(TaskWorkerPool pool, TaskHandlerInvoker invoker, SpillFiles spillFiles,
            Runnable beforeStop, Duration shutdownTimeout, Duration spillMaxAge, boolean autoStartup) {
        this.beforeStop = beforeStop;
        this.pool = pool;
        this.invoker = invoker;
        this.spillFiles = spillFiles;
        this.shutdownTimeout = shutdownTimeout;
        this.spillMaxAge = spillMaxAge;
        this.autoStartup = autoStartup;
    }

    @Override
    public synchronized void start() {
        if (this.running) {
            return;
        }
        if (this.lastStop != null) {
            logger.warn("Task workers cannot be started again after a stop; restart the application instead");
            return;
        }
        this.invoker.startup();
        sweepSpillFiles();
        long period = Math.max(60_000L, this.spillMaxAge.toMillis() / 4);
        this.sweeper = Executors.newSingleThreadScheduledExecutor((runnable) -> {
            Thread thread = new Thread(runnable, "swoole-task-spill-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        this.sweeper.scheduleWithFixedDelay(this::sweepSpillFiles, period, period, TimeUnit.MILLISECONDS);
        this.pool.start();
        this.running = true;
        logger.info("Started {} task worker(s)", this.pool.size());
    }

    @Override
    public synchronized void stop() {
        if (!this.running) {
            return;
        }
        this.running = false;
        try {
            this.beforeStop.run();
        }
        catch (RuntimeException ex) {
            logger.error("Could not send open task batches before stopping: {}", ex.getMessage());
        }
        this.invoker.shutdown();
        this.lastStop = this.pool.stop(this.shutdownTimeout);
        if (this.sweeper != null) {
            this.sweeper.shutdownNow();
        }
        if (this.lastStop.clean()) {
            logger.info("Stopped {} task worker(s)", this.pool.size());
        }
    }

    /** What the last stop left undone, or null before a stop. */
    public StopReport lastStop() {
        return this.lastStop;
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
