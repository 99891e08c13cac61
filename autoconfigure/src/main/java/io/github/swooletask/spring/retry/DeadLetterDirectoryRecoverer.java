package io.github.swooletask.spring.retry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskRecoverer;

/**
 * Keeps each failed task in its own file {@code <millis>-task<id>.deadletter} in a directory: a few
 * {@code key: value} text lines (task id, name, flags, handler, attempts, time, reason), an empty line, then the raw
 * payload bytes, so an operator can read why and replay the payload. Files are made with mode 0600.
 */
public class DeadLetterDirectoryRecoverer implements TaskRecoverer {

    private final Path directory;

    public DeadLetterDirectoryRecoverer(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return this.directory;
    }

    @Override
    public String recover(FailedTask task) throws IOException {
        Files.createDirectories(this.directory);
        long now = System.currentTimeMillis();
        // ids repeat across producers and workers fail at once: claim a free name atomically with createFile
        Path file = this.directory.resolve(now + "-task" + task.taskId() + ".deadletter");
        for (int n = 1;; n++) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                break;
            }
            catch (FileAlreadyExistsException ex) {
                file = this.directory.resolve(now + "-task" + task.taskId() + "-" + n + ".deadletter");
            }
        }
        StringBuilder header = new StringBuilder();
        header.append("task-id: ").append(task.taskId()).append('\n');
        header.append("name: ").append((task.route() != null) ? task.route() : "").append('\n');
        header.append("flags: ").append(task.flags()).append('\n');
        header.append("handler: ").append(task.handler()).append('\n');
        header.append("attempts: ").append(task.attempts()).append('\n');
        header.append("time: ").append(Instant.ofEpochMilli(now)).append('\n');
        header.append("reason: ").append(String.valueOf(task.failure()).replace('\n', ' ')).append('\n');
        header.append('\n');
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
            out.write(header.toString().getBytes(StandardCharsets.UTF_8));
            out.write(task.payload());
        }
        return "kept in " + file;
    }
}
