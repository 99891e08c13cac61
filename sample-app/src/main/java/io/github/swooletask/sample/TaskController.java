package io.github.swooletask.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskOperations;

/** REST API that hands work to the task workers. */
@RestController
@RequestMapping("/tasks")
public class TaskController {

    private final TaskOperations tasks;

    private final ThumbnailTasks handlers;

    public TaskController(TaskOperations tasks, ThumbnailTasks handlers) {
        this.tasks = tasks;
        this.handlers = handlers;
    }

    /** Queues a thumbnail and returns at once with the task id. */
    @PostMapping("/thumbnail")
    public Map<String, Object> queueThumbnail(@RequestBody ThumbnailRequest request) {
        int id = this.tasks.dispatch("thumbnail", request);
        return Map.of("taskId", id, "queued", true);
    }

    /** Makes a thumbnail on a task worker and waits for the result. */
    @GetMapping("/thumbnail")
    public CompletableFuture<Thumbnail> thumbnail(@RequestParam String image, @RequestParam int width) {
        return this.tasks.call("thumbnail", new ThumbnailRequest(image, width), Duration.ofSeconds(5));
    }

    /** Queues plain text for the default handler, as the PHP client does. */
    @PostMapping("/text")
    public Map<String, Object> queueText(@RequestBody String text) {
        return Map.of("taskId", this.tasks.dispatch(text), "queued", true);
    }

    /**
     * A handler that refused its input, or a payload that failed validation before it, answers 400; any other
     * failure 500; no answer in time 504.
     */
    @ExceptionHandler({ TaskExecutionException.class, TimeoutException.class, IllegalArgumentException.class })
    public ResponseEntity<Map<String, Object>> taskFailed(Exception ex) {
        if (ex instanceof IllegalArgumentException rejected) {
            return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error",
                    String.valueOf(rejected.getMessage())));
        }
        if (ex instanceof TaskExecutionException failed) {
            HttpStatus status = (failed.getCause() instanceof IllegalArgumentException) ? HttpStatus.BAD_REQUEST
                    : HttpStatus.INTERNAL_SERVER_ERROR;
            return ResponseEntity.status(status).body(Map.of("error", String.valueOf(failed.getCause().getMessage()),
                    "taskId", failed.taskId(), "handler", failed.handler()));
        }
        return ResponseEntity.status(HttpStatus.GATEWAY_TIMEOUT).body(Map.of("error", "no result in time"));
    }

    /** What the handlers did last. */
    @GetMapping("/recent")
    public List<String> recent() {
        return this.handlers.recent();
    }
}
