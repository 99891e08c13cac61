package io.github.swooletask.spring.handler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.worker.ReservedWorkers;
import io.github.swooletask.worker.TaskRouting;

/**
 * Gives each {@code @TaskHandler} with a {@code concurrency} its reserved workers: that many threads of its own,
 * started with the application unless its {@code autoStartup} is false (then {@code TaskWorkerPool.startReserved(id)}
 * starts them). A task a stop gave up on (never begun by them, or stuck in a handler that ignored the interrupt)
 * goes to the {@link TaskRecoverer}.
 */
public final class TaskHandlerRouting implements TaskRouting {

    private static final Logger logger = LoggerFactory.getLogger(TaskHandlerRouting.class);

    private final TaskHandlerRegistry registry;

    private final @Nullable TaskRecoverer recoverer;

    private volatile Map<TaskHandlerMethod, Integer> reserved = Map.of();

    public TaskHandlerRouting(TaskHandlerRegistry registry, @Nullable TaskRecoverer recoverer) {
        this.registry = registry;
        this.recoverer = recoverer;
    }

    @Override
    public List<ReservedWorkers> reservedWorkers() {
        List<ReservedWorkers> workers = new ArrayList<>();
        Map<TaskHandlerMethod, Integer> indexes = new IdentityHashMap<>();
        for (TaskHandlerMethod handler : this.registry.handlers()) {
            if (handler.concurrency() > 0) {
                indexes.put(handler, workers.size());
                workers.add(new ReservedWorkers(handler.id(), handler.concurrency(), handler.autoStartup(),
                        handler.batchSize()));
            }
            else if (!handler.autoStartup()) {
                logger.warn("@TaskHandler {} has autoStartup false but no concurrency: it runs on the shared workers,"
                        + " which start and stop with the application. Give it a concurrency to start it on its own",
                        handler);
            }
        }
        this.reserved = indexes;
        return workers;
    }

    @Override
    public int reservedFor(DecodedTask task) {
        Map<TaskHandlerMethod, Integer> indexes = this.reserved;
        if (indexes.isEmpty()) {
            return SHARED;
        }
        TaskHandlerMethod handler = this.registry.find(task.route());
        Integer index = (handler != null) ? indexes.get(handler) : null;
        return (index != null) ? index : SHARED;
    }

    @Override
    public void abandoned(DecodedTask task, String why) {
        TaskHandlerMethod handler = this.registry.find(task.route());
        String name = (handler != null) ? handler.displayName() : String.valueOf(task.route());
        CancellationException reason = new CancellationException("abandoned at a stop: " + why);
        if (this.recoverer == null) {
            logger.error("Task {} for {} was abandoned at a stop and no recoverer keeps it", task.taskId(), name);
            return;
        }
        try {
            String note = this.recoverer.recover(new FailedTask(task.taskId(), task.route(), task.flags(), name,
                    task.payloadBytes(), reason, 0));
            logger.warn("Task {} for {} was abandoned at a stop: {}", task.taskId(), name, note);
        }
        catch (Exception ex) {
            logger.error("Task {} for {} was abandoned at a stop and the recoverer failed: {}", task.taskId(), name,
                    ex.toString());
        }
    }
}
