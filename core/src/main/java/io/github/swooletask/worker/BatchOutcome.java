package io.github.swooletask.worker;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.FrameRejectedException;

/**
 * What one task of a batch ({@link TaskProcessor#processBatch}) came to: its result, or its failure, which is a
 * {@link FrameRejectedException} when the task could not be run at all (counted as rejected, not failed).
 *
 * @param result the result for a waiting caller (null for none), when {@code failure} is null
 * @param failure why the task failed, or null when it succeeded
 */
public record BatchOutcome(@Nullable Object result, @Nullable Throwable failure) {

    private static final BatchOutcome NO_RESULT = new BatchOutcome(null, null);

    /** A task that ran, with its result. */
    public static BatchOutcome succeeded(@Nullable Object result) {
        return (result == null) ? NO_RESULT : new BatchOutcome(result, null);
    }

    /** A task that failed, or could not run ({@link FrameRejectedException}). */
    public static BatchOutcome failed(Throwable failure) {
        return new BatchOutcome(null, failure);
    }
}
