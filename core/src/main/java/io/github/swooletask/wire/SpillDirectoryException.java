package io.github.swooletask.wire;

import java.nio.file.Path;

/** The spill directory cannot be used: missing, not a directory, or too long a path for a spill body. */
public class SpillDirectoryException extends IllegalArgumentException {

    private final Path directory;

    public SpillDirectoryException(Path directory, String message, Throwable cause) {
        super(message, cause);
        this.directory = directory;
    }

    public SpillDirectoryException(Path directory, String message) {
        super(message);
        this.directory = directory;
    }

    /** The directory as configured. */
    public Path directory() {
        return this.directory;
    }
}
