package io.github.swooletask.sample;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

import jakarta.validation.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.handler.annotation.SendTo;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.stereotype.Component;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;

/**
 * The task handlers: a named handler for thumbnails and the step after it, an echo for programs that ask for
 * results, and the default one for tasks posted by other programs.
 */
@Component
public class ThumbnailTasks {

    private static final Logger logger = LoggerFactory.getLogger(ThumbnailTasks.class);

    private final ConcurrentLinkedDeque<String> recent = new ConcurrentLinkedDeque<>();

    /**
     * Makes a "thumbnail" (here: computes where it would be written) on a task worker. A request without an image
     * never gets here ({@code @Valid}: rejected as bad-payload); one with a width of 0 or less fails in the handler,
     * and as invalid input does not get better with another try, {@code @Retryable} excludes it from this handler's
     * retries (a dead letter after one attempt); any other failure is tried twice more, 100 ms and 200 ms later.
     * The thumbnail goes back to a caller that waits for it ({@code GET /tasks/thumbnail}); one nobody waits for
     * ({@code POST}) goes on as a "thumbnail.made" task ({@code @SendTo}).
     */
    @TaskHandler("thumbnail")
    @Retryable(excludes = IllegalArgumentException.class, maxRetries = 2, delay = 100, multiplier = 2)
    @SendTo("thumbnail.made")
    public Thumbnail thumbnail(@Valid ThumbnailRequest request, TaskContext context) {
        if (request.width() <= 0) {
            throw new IllegalArgumentException("width must be positive, was " + request.width());
        }
        String path = "/var/thumbs/" + request.width() + "/" + request.image();
        remember("thumbnail " + request.image() + " -> " + path + " (task " + context.taskId() + ")");
        return new Thumbnail(request.image(), request.width(), path, context.workerId());
    }

    /**
     * The next step for the thumbnails nobody waited for, taken together: up to 100 that wait for this handler's
     * worker at once (here: noted; a real service might index them in one request).
     */
    @TaskHandler(name = "thumbnail.made", batchSize = "100")
    public void made(List<Thumbnail> thumbnails, List<TaskContext> contexts) {
        for (int i = 0; i < thumbnails.size(); i++) {
            remember("made " + thumbnails.get(i).path() + " (task " + contexts.get(i).taskId() + ")");
        }
    }

    /**
     * Takes every task without a name: text from the PHP client arrives as a String, PHP arrays as a Map or List.
     */
    @TaskHandler
    public void fromOutside(Object payload, TaskContext context) {
        String kind = (payload instanceof Map) ? "map" : (payload instanceof List) ? "list" : "text";
        logger.info("Task {} ({}, {} source) on worker {}: {}", context.taskId(), kind, context.source(),
                context.workerId(), payload);
        remember(kind + " task " + context.taskId() + ": " + payload);
    }

    /**
     * Answers with what it got, for programs that ask for a result ({@code swoole-task call --name echo DATA}): text
     * comes back as text, PHP arrays as arrays.
     */
    @TaskHandler("echo")
    public Object echo(Object payload, TaskContext context) {
        remember("echo task " + context.taskId() + " (" + context.format().label() + ")");
        return payload;
    }

    /** The last few tasks handled, newest first. */
    public List<String> recent() {
        return List.copyOf(this.recent);
    }

    private void remember(String line) {
        this.recent.addFirst(line);
        while (this.recent.size() > 20) {
            this.recent.pollLast();
        }
    }
}
