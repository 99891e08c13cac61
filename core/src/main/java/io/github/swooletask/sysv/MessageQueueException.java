package io.github.swooletask.sysv;

/**
 * A System V message queue call failed. The message says what happened and what to change; {@link #errno()} keeps
 * the C error number (0 when the failure did not come from the kernel).
 */
public class MessageQueueException extends RuntimeException {

    private final int errno;

    public MessageQueueException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The C {@code errno} of the failed call, 0 if none. */
    public int errno() {
        return this.errno;
    }
}
