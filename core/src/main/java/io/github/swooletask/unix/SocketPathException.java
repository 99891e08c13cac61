package io.github.swooletask.unix;

import java.nio.file.Path;

/** The Unix socket of mode 1 cannot be set up at its path: in use, not a socket, or no directory for it. */
public class SocketPathException extends IllegalStateException {

    private final Path path;

    public SocketPathException(Path path, String message, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    public SocketPathException(Path path, String message) {
        super(message);
        this.path = path;
    }

    /** The socket path that could not be used. */
    public Path path() {
        return this.path;
    }
}
