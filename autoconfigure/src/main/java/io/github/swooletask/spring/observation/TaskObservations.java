package io.github.swooletask.spring.observation;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.handler.TaskHandlerMethod;

/**
 * Carries trace context from a dispatching thread to the handler, with Micrometer Observation: a dispatch made
 * inside an observation (for example an HTTP request being traced) opens a {@code swoole.task.dispatch} sender
 * observation whose propagated fields (e.g. {@code traceparent}) travel in the frame ({@code TRACED} flag); the
 * worker opens a {@code swoole.task.process} receiver observation from them around the handler, so the handler's
 * span continues the dispatcher's trace. Dispatches outside any observation carry nothing and cost nothing extra.
 */
public final class TaskObservations {

    private final ObservationRegistry registry;

    public TaskObservations(ObservationRegistry registry) {
        this.registry = registry;
    }

    /**
     * A started sender observation for a dispatch, or null when there is nothing to continue. Its carrier holds the
     * propagated fields once started.
     */
    public @Nullable Dispatch startDispatch(@Nullable String name) {
        if (this.registry.isNoop() || this.registry.getCurrentObservation() == null) {
            return null;
        }
        Map<String, String> carrier = new LinkedHashMap<>();
        SenderContext<Map<String, String>> context = new SenderContext<>((map, key, value) -> map.put(key, value));
        context.setCarrier(carrier);
        context.setRemoteServiceName("swoole-task");
        Observation observation = Observation.createNotStarted("swoole.task.dispatch", () -> context, this.registry)
            .contextualName("swoole-task dispatch " + taskName(name))
            .lowCardinalityKeyValue("swoole.task.name", taskName(name))
            .start();
        return new Dispatch(observation, carrier);
    }

    /** A dispatch being observed: the observation and the fields it propagates. */
    public record Dispatch(Observation observation, Map<String, String> carrier) {

        /** The propagated fields as frame bytes, or null when there are none. */
        public byte @Nullable [] trace() {
            return encode(this.carrier);
        }
    }

    /** The carrier as frame bytes ({@code name=value} lines), or null when it is empty. */
    static byte @Nullable [] encode(Map<String, String> carrier) {
        if (carrier.isEmpty()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        carrier.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses frame bytes back into a carrier; malformed lines are skipped. */
    static Map<String, String> decode(byte[] trace) {
        Map<String, String> carrier = new LinkedHashMap<>();
        for (String line : new String(trace, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                carrier.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return carrier;
    }

    /** Runs the handler inside a receiver observation continuing the trace the task carries. */
    public @Nullable Object observeHandler(byte[] trace, TaskHandlerMethod handler,
            Observation.CheckedCallable<@Nullable Object, Exception> call) throws Exception {
        if (trace == null || this.registry.isNoop()) {
            return call.call();
        }
        ReceiverContext<Map<String, String>> context = new ReceiverContext<>((map, key) -> map.get(key));
        context.setCarrier(decode(trace));
        context.setRemoteServiceName("swoole-task");
        return Observation.createNotStarted("swoole.task.process", () -> context, this.registry)
            .contextualName("swoole-task process " + taskName(handler.route()))
            .lowCardinalityKeyValue("swoole.task.name", taskName(handler.route()))
            .lowCardinalityKeyValue("swoole.task.handler", handler.displayName())
            .observeChecked(call);
    }

    private static String taskName(@Nullable String name) {
        return (name == null || name.isEmpty()) ? "default" : name;
    }
}
