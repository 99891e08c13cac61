package io.github.swooletask.spring;

/**
 * The failure of a handler that ran on another instance (Redis Streams transport), as the future of
 * {@link TaskTemplate#call} sees it, inside a {@link TaskExecutionException}: its message is the handler's error
 * text ({@code ExceptionClass: message}); the stack trace stayed on that instance.
 */
public class RemoteTaskFailure extends RuntimeException {

    public RemoteTaskFailure(String message) {
        super(message, null, false, false);
    }
}
