package io.github.swooletask.spring.endpoint;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import io.github.swooletask.dispatch.DispatchStatistics;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.reply.ReplyStatistics;
import io.github.swooletask.spring.DeadLetterReplayer;
import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.ConsumerProblems;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerStatistics;

/**
 * The {@code swooletask} actuator endpoint. {@code GET /actuator/swooletask} describes the queue, the workers, the
 * handlers, the totals and the kernel's message queue limits. Read-only by default; with
 * {@code management.endpoint.swooletask.access=unrestricted} an operator can also pause or resume the workers
 * ({@code POST /actuator/swooletask/pause}, {@code .../resume}), start or stop one handler's reserved workers
 * ({@code POST /actuator/swooletask/handlers/{id}/start}, {@code .../stop}), send the dead letters again
 * ({@code POST /actuator/swooletask/dead-letters/replay}) and purge the queue ({@code DELETE /actuator/swooletask}).
 */
@Endpoint(id = "swooletask", defaultAccess = Access.READ_ONLY)
public class SwooleTaskEndpoint {

    /** The most dead letters a replay sends unless it says otherwise. */
    static final int DEFAULT_REPLAY = 1000;

    private final TaskTransport transport;

    private final TaskWorkerPool pool;

    private final TaskDispatcher dispatcher;

    private @Nullable ReplyStatistics replies;

    private volatile @Nullable ConsumerProblems consumerProblems;

    private @Nullable TaskHandlerRegistry handlers;

    private @Nullable DeadLetterReplayer deadLetters;

    private final @Nullable SpillFiles spillFiles;

    private Duration handlerStopTimeout = Duration.ofSeconds(30);

    /**
     * @param spillFiles where the spill files of purged tasks are deleted (null: the transport has none)
     */
    public SwooleTaskEndpoint(TaskTransport transport, TaskWorkerPool pool, TaskDispatcher dispatcher,
            @Nullable SpillFiles spillFiles) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.spillFiles = spillFiles;
    }

    /** Shows the dead letters too, and replays them ({@code POST /actuator/swooletask/dead-letters/replay}). */
    public void setDeadLetters(@Nullable DeadLetterReplayer deadLetters) {
        this.deadLetters = deadLetters;
    }

    /** Lists the application's task handlers too. */
    public void setHandlers(@Nullable TaskHandlerRegistry handlers) {
        this.handlers = handlers;
    }

    /**
     * How long a stop of one handler's reserved workers ({@code POST .../handlers/{id}/stop}) waits for the tasks
     * they run and hold; the starter sets {@code swoole.task.shutdown-timeout}.
     */
    public void setHandlerStopTimeout(Duration timeout) {
        this.handlerStopTimeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Reports the replies to other programs too. */
    public void setReplyStatistics(@Nullable ReplyStatistics replies) {
        this.replies = replies;
    }

    /**
     * The queue, workers, handlers, totals and kernel limits; the queue fields are absent, with an error, if
     * unreadable.
     */
    @ReadOperation
    public SwooleTaskDescriptor describe() {
        Mode mode = Mode.of(this.transport.mode());
        Workers workers = workers();
        List<Handler> handlers = handlers();
        DispatchStatistics dispatched = this.dispatcher.statistics();
        WorkerStatistics statistics = this.pool.statistics();
        ReplyStatistics replyStatistics = this.replies;
        Replies replies = (replyStatistics != null) ? new Replies(replyStatistics.sentCount(),
                replyStatistics.refusedCount(), replyStatistics.undeliverableCount()) : null;
        Totals totals = new Totals(dispatched.queuedCount(), statistics.processedCount(), statistics.failedCount(),
                statistics.rejectedCount(), replies);
        String wireFormat = this.dispatcher.wireFormat().label();
        KernelLimits limits = KernelLimits.read();
        Kernel kernel = new Kernel(limits.msgmax(), limits.msgmnb(), limits.msgmni());
        QueueStatus status;
        try {
            status = this.transport.status();
        }
        catch (RuntimeException ex) {
            return new SwooleTaskDescriptor(mode, wireFormat, null, null, null, null, null, null, null, null, workers,
                    handlers, totals, deadLetters(), kernel, String.valueOf(ex.getMessage()), transportDetails(),
                    problems());
        }
        return new SwooleTaskDescriptor(mode, wireFormat, status.key(), status.queueId(), status.permissions(),
                status.depth(), status.bytes(), status.capacity(), status.lastSenderPid(), status.lastReceiverPid(),
                workers, handlers, totals, deadLetters(), kernel, null, transportDetails(), problems());
    }

    private @Nullable DeadLetters deadLetters() {
        DeadLetterReplayer replayer = this.deadLetters;
        if (replayer == null) {
            return null;
        }
        long count;
        try {
            count = replayer.store().count();
        }
        catch (RuntimeException ex) {
            count = -1;  // Redis away, say: the rest of the description still answers
        }
        return new DeadLetters(replayer.store().location(), count);
    }

    private List<Handler> handlers() {
        TaskHandlerRegistry registry = this.handlers;
        if (registry == null) {
            return List.of();
        }
        List<String> reserved = this.pool.reservedIds();
        return registry.handlers().stream().map((handler) -> {
            boolean own = reserved.contains(handler.id());
            return new Handler(handler.id(), handler.route().isEmpty() ? null : handler.route(),
                    handler.displayName(), handler.concurrency(),
                    own ? this.pool.isReservedRunning(handler.id()) : null,
                    own ? this.pool.reservedBacklog(handler.id()) : null,
                    (handler.retryPolicy() != null) ? "@Retryable" : "swoole.task.retry", handler.sendTo(),
                    (handler.batchSize() > 1) ? handler.batchSize() : null);
        })
            .sorted(Comparator.comparing(Handler::id))
            .toList();
    }

    /** Tells the endpoint what keeps tasks from being consumed (dead, stuck or starved workers). */
    public void setConsumerProblems(ConsumerProblems problems) {
        this.consumerProblems = problems;
    }

    private List<String> problems() {
        ConsumerProblems problems = this.consumerProblems;
        return (problems != null) ? problems.find() : List.of();
    }

    /**
     * Pauses the workers (they finish the task in hand and take no more) or resumes them.
     * @param action {@code pause} or {@code resume}
     */
    @WriteOperation
    public WorkersControl control(@Selector String action) {
        String verb = (action != null) ? action.trim().toLowerCase(Locale.ROOT) : "";
        switch (verb) {
            case "pause" -> this.pool.pause();
            case "resume" -> this.pool.resume();
            default -> throw new InvalidEndpointRequestException("Unknown action '" + action
                    + "': use pause or resume", "Unknown action; use pause or resume");
        }
        return new WorkersControl(verb, this.pool.isPaused(), workers());
    }

    /**
     * Sends the dead letters again, oldest first, each as a new task: {@code POST
     * /actuator/swooletask/dead-letters/replay}, with an optional {@code {"max": n}} (default 1000).
     * @param target {@code dead-letters}
     * @param action {@code replay}
     * @param max the most dead letters to send in this call
     */
    @WriteOperation
    public DeadLetterReplayResult replayDeadLetters(@Selector String target, @Selector String action,
            @Nullable Integer max) {
        if (!"dead-letters".equals(target) || !"replay".equals(action)) {
            throw new InvalidEndpointRequestException("Unknown operation '" + target + "/" + action
                    + "': use dead-letters/replay", "Unknown operation; use dead-letters/replay");
        }
        DeadLetterReplayer replayer = this.deadLetters;
        if (replayer == null) {
            throw new InvalidEndpointRequestException("No dead letters to replay: the TaskRecoverer keeps none this"
                    + " application can read back (swoole.task.dead-letter.enabled=false, or a recoverer of its own"
                    + " that is no DeadLetterStore)", "No dead letters to replay");
        }
        int most = (max != null) ? max : DEFAULT_REPLAY;
        if (most < 1) {
            throw new InvalidEndpointRequestException("max must be 1 or more, was " + most, "max must be 1 or more");
        }
        DeadLetterReplayer.Result result = replayer.replay(most);
        return new DeadLetterReplayResult(replayer.store().location(), result.sent(), result.refused(),
                result.unreadable(), result.left(), result.stoppedBy(), result.problems());
    }

    /**
     * Starts or stops the reserved workers of one handler (one with a {@code concurrency}): {@code POST
     * /actuator/swooletask/handlers/{id}/start} or {@code .../stop}. A stop lets them finish what they run and hold
     * within the handler stop timeout; the tasks for the handler that arrive meanwhile wait for a start (once 16
     * per reserved thread wait, the shared workers that bring the next one wait with them).
     * @param target {@code handlers}
     * @param id the handler's id
     * @param action {@code start} or {@code stop}
     */
    @WriteOperation
    public HandlerControl controlHandler(@Selector String target, @Selector String id, @Selector String action) {
        if (!"handlers".equals(target)) {
            throw new InvalidEndpointRequestException("Unknown operation '" + target + "/" + id + "/" + action
                    + "': use handlers/{id}/start or handlers/{id}/stop", "Unknown operation; use"
                    + " handlers/{id}/start or handlers/{id}/stop");
        }
        TaskHandlerRegistry registry = this.handlers;
        TaskHandlerMethod handler = (registry != null) ? registry.findById(id) : null;
        if (handler == null) {
            throw new InvalidEndpointRequestException("No task handler has the id '" + id + "'" + ((registry != null)
                    ? " (the ids: " + registry.handlers().stream().map(TaskHandlerMethod::id).sorted().toList() + ")"
                    : ""), "No task handler has this id");
        }
        if (handler.concurrency() == 0) {
            throw new InvalidEndpointRequestException("Task handler '" + id + "' runs on the shared workers, which"
                    + " start and stop together: pause or resume them all (POST /actuator/swooletask/pause), or"
                    + " give the handler workers of its own (@TaskHandler(concurrency))", "The handler runs on the"
                    + " shared workers");
        }
        String verb = action.trim().toLowerCase(Locale.ROOT);
        List<Integer> cutShort;
        try {
            cutShort = switch (verb) {
                case "start" -> {
                    this.pool.startReserved(id);
                    yield List.of();
                }
                case "stop" -> this.pool.stopReserved(id, this.handlerStopTimeout);
                default -> throw new InvalidEndpointRequestException("Unknown action '" + action + "': use start or"
                        + " stop", "Unknown action; use start or stop");
            };
        }
        catch (IllegalArgumentException ex) {
            // the pool has not made the reserved workers yet (it did not start)
            throw new InvalidEndpointRequestException(ex.getMessage(), "The handler's workers do not exist yet");
        }
        return new HandlerControl(id, verb, this.pool.isReservedRunning(id), cutShort);
    }

    /** Removes every task waiting in the queue; they are lost, and the spill files they name deleted. */
    @DeleteOperation
    public PurgeResult purge() {
        SpillFiles spills = this.spillFiles;
        return new PurgeResult(this.transport.purge((spills != null) ? new FrameDecoder(spills)::discard
                : DroppedFrames.NONE));
    }

    private @Nullable Map<String, Object> transportDetails() {
        Map<String, Object> details = this.transport.details();
        return details.isEmpty() ? null : details;
    }

    private Workers workers() {
        return new Workers(this.pool.size(), this.pool.activeCount(), this.pool.pausedCount(), this.pool.deadCount(),
                this.pool.replacedCount(), this.pool.isRunning(), this.pool.isPaused());
    }

    /**
     * What {@code GET /actuator/swooletask} returns.
     *
     * @param mode the IPC mode
     * @param wireFormat the layout this application dispatches in ({@code swoole-1.7}, ...)
     * @param key the queue key in hex, {@code private}, or the socket path in mode 1
     * @param queueId the kernel's queue id (-1 in mode 1)
     * @param permissions octal permission bits
     * @param depth tasks waiting
     * @param bytes bytes waiting
     * @param capacity byte capacity
     * @param lastSenderPid pid of the last sender
     * @param lastReceiverPid pid of the last receiver
     * @param workers the task workers
     * @param handlers the application's task handlers, by id
     * @param totals totals since start
     * @param deadLetters where the tasks that failed every attempt are kept and how many, null when the recoverer
     *     keeps none that can be read back
     * @param kernel the kernel's message queue limits (-1 when unreadable)
     * @param error why the queue's state could not be read, null when it could
     * @param transport what only the transport knows (Redis Streams: stream, group, consumers and their pending
     *     entries, the oldest pending entry's age), null for the local transports
     */
    public record SwooleTaskDescriptor(Mode mode, String wireFormat, @Nullable String key, @Nullable Integer queueId,
            @Nullable String permissions, @Nullable Long depth, @Nullable Long bytes, @Nullable Long capacity,
            @Nullable Integer lastSenderPid, @Nullable Integer lastReceiverPid, Workers workers,
            List<Handler> handlers, Totals totals, @Nullable DeadLetters deadLetters, Kernel kernel,
            @Nullable String error, @Nullable Map<String, Object> transport, List<String> problems)
            implements OperationResponseBody {
    }

    /**
     * The dead letters.
     *
     * @param location where they are kept: {@code directory ...} or {@code Redis stream ...}
     * @param count how many are kept, -1 when they cannot be counted now
     */
    public record DeadLetters(String location, long count) {
    }

    /**
     * What a replay of dead letters did.
     *
     * @param location where the dead letters are kept
     * @param sent dead letters sent again as new tasks (and removed)
     * @param refused dead letters the dispatcher refused whatever the queue's state (kept)
     * @param unreadable dead letters that could not be read back (kept)
     * @param left dead letters kept after the replay
     * @param stoppedBy why the replay ended early (the queue stayed full, the transport failed), null if it did not
     * @param problems the first refused or unreadable ones, each with the reason
     */
    public record DeadLetterReplayResult(String location, int sent, int refused, int unreadable, long left,
            @Nullable String stoppedBy, List<String> problems) implements OperationResponseBody {
    }

    /**
     * The IPC mode by number and name.
     *
     * @param number 1, 2 or 3
     * @param name {@code unix-socket}, {@code msgqueue} or {@code msgqueue-preemptive}
     */
    public record Mode(int number, String name) {

        static Mode of(IpcMode mode) {
            return new Mode(mode.number(), mode.label());
        }
    }

    /**
     * The task workers.
     *
     * @param total workers in the pool
     * @param active workers running a handler
     * @param paused workers parked by a pause
     * @param dead workers ended by an unexpected error
     * @param running whether the pool is started and not stopping
     * @param pauseRequested whether a pause is in force
     */
    public record Workers(int total, int active, int paused, int dead, long replaced, boolean running,
            boolean pauseRequested) {
    }

    /**
     * One task handler.
     *
     * @param id its id ({@code @TaskHandler(id)}, by default {@code beanName.methodName})
     * @param name the task name it takes, null for the default handler (tasks without a name)
     * @param method {@code SimpleClassName.method}, the {@code handler} tag of its execution timer
     * @param concurrency its reserved workers, 0 when the shared workers run it
     * @param reservedRunning whether its reserved workers run, null without reserved workers (or before the pool
     *     started)
     * @param waiting tasks handed to its reserved workers and not yet begun (those a stopped handler holds), null
     *     without reserved workers (or before the pool started)
     * @param retry whose retry it has: {@code @Retryable} for one of its own (the annotation's, or its endpoint's
     *     {@code retryPolicy}), else {@code swoole.task.retry} (the application's)
     * @param sendTo the task name its results go on as ({@code @SendTo}), null when they go nowhere
     * @param batchSize the most tasks it gets at once, null for one at a time
     */
    public record Handler(String id, @Nullable String name, String method, int concurrency,
            @Nullable Boolean reservedRunning, @Nullable Integer waiting, String retry, @Nullable String sendTo,
            @Nullable Integer batchSize) {
    }

    /**
     * Totals since start.
     *
     * @param dispatched tasks this application put on the queue
     * @param processed tasks whose handler returned normally
     * @param failed tasks whose handler failed every attempt
     * @param rejected messages that could not become a task
     * @param replies replies to other programs that asked for results, null where there are none
     */
    public record Totals(long dispatched, long processed, long failed, long rejected, @Nullable Replies replies) {
    }

    /**
     * Replies to other programs.
     *
     * @param sent replies put on the caller's queue
     * @param refused tasks refused because their reply queue failed the rule or did not exist
     * @param undeliverable replies dropped because the caller's queue stayed full or was gone
     */
    public record Replies(long sent, long refused, long undeliverable) {
    }

    /**
     * The kernel's System V message queue limits.
     *
     * @param msgmax largest message in bytes
     * @param msgmnb default byte capacity of a new queue
     * @param msgmni most queues on the system
     */
    public record Kernel(long msgmax, long msgmnb, long msgmni) {
    }

    /**
     * The result of a pause or resume.
     *
     * @param action what was done
     * @param pauseRequested whether a pause is now in force
     * @param workers the workers right after the action (paused ones park as they finish their task)
     */
    public record WorkersControl(String action, boolean pauseRequested, Workers workers)
            implements OperationResponseBody {
    }

    /**
     * The result of a start or stop of one handler's reserved workers.
     *
     * @param id the handler's id
     * @param action {@code start} or {@code stop}
     * @param running whether its reserved workers run now
     * @param cutShort ids of the tasks a stop interrupted at its timeout or never began (given to the recoverer)
     */
    public record HandlerControl(String id, String action, boolean running, List<Integer> cutShort)
            implements OperationResponseBody {
    }

    /**
     * The result of a purge.
     *
     * @param removed messages removed from the queue
     */
    public record PurgeResult(long removed) implements OperationResponseBody {
    }
}
