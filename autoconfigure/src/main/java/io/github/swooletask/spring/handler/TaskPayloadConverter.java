package io.github.swooletask.spring.handler;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;

import io.github.swooletask.reply.ResultEncoder.EncodedResult;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.WireFormat;

/**
 * How payloads travel: Java payloads of {@code TaskTemplate} become bytes and flags, task payloads become handler
 * arguments, and handler results become replies for the programs that asked for them. The starter configures
 * {@link DefaultTaskPayloadConverter} (JSON and PHP {@code serialize()}); declare a bean of this type to replace it,
 * for example one that extends or delegates to the default for the types it does not handle itself. Thread-safe:
 * it is called on dispatching threads and on every worker.
 *
 * <p>Payload flags tell a consumer how to read the bytes: {@link TaskFlags#SERIALIZE} (PHP {@code serialize()}),
 * {@link TaskFlags#JSON}, or none (text or raw bytes). A converter of its own keeps to them where other programs
 * read its tasks or results.
 */
public interface TaskPayloadConverter {

    /**
     * How tasks become the argument of one handler parameter; asked once per handler, at startup, so the reader can
     * keep whatever it resolved from the parameter's type.
     * @param parameter the payload parameter of a {@code @TaskHandler} method
     */
    PayloadReader readerFor(MethodParameter parameter);

    /**
     * A Java payload as it travels in the layout dispatchers write ({@code swoole.task.wire-format}).
     * @throws IllegalArgumentException when the payload cannot be written
     */
    EncodedPayload encode(Object payload, WireFormat format);

    /**
     * A handler's result as the reply to the program that asked for it (or to the instance that dispatched it).
     * @param request the task the result answers: its flags say what kind of data the caller reads
     * @param result what the handler returned, null for void
     * @throws IllegalArgumentException when the result cannot be written the way the request asks
     */
    EncodedResult encodeResult(DecodedTask request, @Nullable Object result);

    /**
     * A result that came back from another instance, as {@code TaskTemplate.call} completes with it.
     * @param flags the reply's payload flags, as {@link #encodeResult} set them there
     * @throws IllegalArgumentException when the data does not decode
     */
    @Nullable Object decodeResult(int flags, byte[] payload);

    /**
     * Reads the payload of a task as the argument of one handler parameter. Called on the worker thread; the task
     * and its payload are valid during the call only.
     */
    @FunctionalInterface
    interface PayloadReader {

        /**
         * @throws FrameRejectedException (reason {@link RejectReason#BAD_PAYLOAD}) when the payload cannot become
         * the parameter's type: the task is rejected at once, never retried
         */
        @Nullable Object read(DecodedTask task) throws FrameRejectedException;
    }
}
