package io.github.swooletask.spring;

import java.io.IOException;

/**
 * Where a {@link TaskRecoverer} keeps the tasks that failed every attempt, read back: counted, and handed out one by
 * one, oldest first, for a {@link DeadLetterReplayer} to send again. The starter's recoverers are stores (the
 * dead-letter directory, the Redis dead-letter stream).
 */
public interface DeadLetterStore {

    /** The dead letters kept now. */
    long count();

    /** Where they are kept, for messages: {@code directory /var/lib/...} or {@code Redis stream ...}. */
    String location();

    /**
     * Hands the oldest dead letters, at most {@code max}, to {@code sender} in the order they were kept: one the
     * sender took is removed, one it declined is kept and the next follows; when the sender throws, that one is kept
     * and the exception ends the replay. A dead letter that cannot be read is kept and told to
     * {@link Sender#unreadable}.
     * @return how many the sender took
     * @throws IOException when the store cannot be read
     */
    int replay(int max, Sender sender) throws IOException;

    /** What a replay hands each dead letter to. */
    interface Sender {

        /** @return true when the dead letter was sent (and may be removed), false to keep it */
        boolean send(DeadLetter letter);

        /** A dead letter the store cannot read back, which stays where it is. */
        default void unreadable(String id, String problem) {
        }
    }
}
