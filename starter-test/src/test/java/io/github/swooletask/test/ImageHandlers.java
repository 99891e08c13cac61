package io.github.swooletask.test;

import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;

/** The handlers of the test application: a named one with a result, one that refuses, and the default one. */
@Component
class ImageHandlers {

    record Resize(String image, int width) {
    }

    @TaskHandler("resize")
    String resize(Resize request) {
        if (request.width() <= 0) {
            throw new IllegalArgumentException("width must be positive, was " + request.width());
        }
        return request.image() + "@" + request.width();
    }

    /** Whatever arrives without a name: text, or PHP arrays as maps and lists. */
    @TaskHandler
    String fromPhp(Object payload, TaskContext context) {
        String kind = (payload instanceof Map) ? "map" : (payload instanceof List) ? "list" : "text";
        return kind + " " + payload + " in " + context.format().label();
    }
}
