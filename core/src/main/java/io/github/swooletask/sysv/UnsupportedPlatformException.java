package io.github.swooletask.sysv;

/** Thrown when System V message queues cannot be used on this operating system or CPU. */
public class UnsupportedPlatformException extends MessageQueueException {

    public UnsupportedPlatformException(String message) {
        super(message, 0);
    }
}
