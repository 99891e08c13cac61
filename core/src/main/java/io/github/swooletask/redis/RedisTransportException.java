package io.github.swooletask.redis;

/** Redis could not be reached or refused a command; the message names the server and what failed. */
public class RedisTransportException extends RuntimeException {

    public RedisTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
