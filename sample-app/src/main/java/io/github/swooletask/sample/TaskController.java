package io.github.swooletask.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.github.swooletask.spring.TaskTemplate;

/** REST API that hands work to the task workers. */
@RestController
@RequestMapping("/tasks")
public class TaskController {

    private final TaskTemplate tasks;

    private final ThumbnailTasks handlers;

    public TaskController(TaskTemplate tasks, ThumbnailTasks handlers) {
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

    /** What the handlers did last. */
    @GetMapping("/recent")
    public List<String> recent() {
        return this.handlers.recent();
    }
}
