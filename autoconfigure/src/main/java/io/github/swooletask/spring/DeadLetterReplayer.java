package io.github.swooletask.spring;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.log.LogSafe;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskName;

/**
 * Sends the dead letters of a {@link DeadLetterStore} again, once what made their handler fail is fixed: each as a
 * new task (a new id) with its name, its payload and the flags that say how the payload is encoded, through the
 * {@link TaskDispatcher}, and removes each once it is queued. A dead letter the dispatcher refuses whatever the
 * queue's state (a name the configured wire format cannot carry, a payload over the transport's limit) is kept and
 * named in the {@link Result}; a full queue or a failing transport ends the replay and keeps the rest. Replays of one
 * replayer run one at a time. Delivery is at least once: a crash between a send and the removal sends that dead
 * letter again at the next replay.
 */
public class DeadLetterReplayer {

    private static final Logger logger = LoggerFactory.getLogger(DeadLetterReplayer.class);

    /** The flags a replayed task keeps: how its payload is encoded. */
    private static final int PAYLOAD_FLAGS = TaskFlags.SERIALIZE | TaskFlags.JSON;

    /** Problems named in a result; the rest are counted. */
    private static final int MAX_PROBLEMS = 20;

    private final DeadLetterStore store;

    private final TaskDispatcher dispatcher;

    public DeadLetterReplayer(DeadLetterStore store, TaskDispatcher dispatcher) {
        this.store = Objects.requireNonNull(store, "store");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    }

    /** The store this replayer sends from. */
    public DeadLetterStore store() {
        return this.store;
    }

    /**
     * Sends the oldest dead letters again, at most {@code max}, in the order they were kept.
     * @throws IllegalArgumentException when {@code max} is less than 1
     */
    public synchronized Result replay(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("a replay sends at least 1 dead letter, was asked for " + max);
        }
        Outcome outcome = new Outcome();
        String stoppedBy = null;
        try {
            this.store.replay(max, outcome);
        }
        catch (IOException | RuntimeException ex) {
            stoppedBy = String.valueOf(ex.getMessage());
        }
        long left = this.store.count();
        Result result = new Result(outcome.sent, outcome.refused, outcome.unreadable, left, stoppedBy,
                List.copyOf(outcome.problems));
        if (stoppedBy != null) {
            logger.warn("Replay of the dead letters in {} stopped after {} sent ({} refused, {} unreadable, {} left): {}",
                    this.store.location(), result.sent(), result.refused(), result.unreadable(), left,
                    LogSafe.escape(stoppedBy));
        }
        else {
            logger.info("Replayed the dead letters in {}: {} sent again, {} refused, {} unreadable, {} left",
                    this.store.location(), result.sent(), result.refused(), result.unreadable(), left);
        }
        return result;
    }

    private static OutgoingTask task(DeadLetter letter) {
        TaskName name = (letter.name() != null && !letter.name().isEmpty()) ? TaskName.of(letter.name()) : null;
        return OutgoingTask.of(name, letter.flags() & PAYLOAD_FLAGS, letter.payload());
    }

    /** What one replay did. */
    private final class Outcome implements DeadLetterStore.Sender {

        int sent;

        int refused;

        int unreadable;

        final List<String> problems = new ArrayList<>();

        @Override
        public boolean send(DeadLetter letter) {
            OutgoingTask task;
            try {
                task = task(letter);
                DeadLetterReplayer.this.dispatcher.dispatch(task);
            }
            catch (IllegalArgumentException ex) {
                // refused whatever the queue's state: kept, and the replay goes on with the next
                this.refused++;
                note(letter.id() + " (task " + letter.taskId() + "): " + ex.getMessage());
                return false;
            }
            this.sent++;
            return true;
        }

        @Override
        public void unreadable(String id, String problem) {
            this.unreadable++;
            note(id + ": " + problem);
        }

        private void note(String problem) {
            if (this.problems.size() < MAX_PROBLEMS) {
                this.problems.add(problem);
            }
        }
    }

    /**
     * What a replay did.
     *
     * @param sent dead letters sent again (and removed)
     * @param refused dead letters the dispatcher refused, kept
     * @param unreadable dead letters the store could not read back, kept
     * @param left dead letters kept after the replay
     * @param stoppedBy why the replay ended early (a full queue, an unreachable transport), null when it did not
     * @param problems the first 20 refused or unreadable dead letters, each with the reason
     */
    public record Result(int sent, int refused, int unreadable, long left, @Nullable String stoppedBy,
            List<String> problems) {
    }
}
