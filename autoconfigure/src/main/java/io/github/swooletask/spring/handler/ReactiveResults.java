package io.github.swooletask.spring.handler;

import java.util.concurrent.CompletableFuture;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;

/**
 * A handler's reactive single value ({@code Mono}, RxJava's {@code Single}...) as a {@link CompletableFuture}, through
 * Spring's {@link ReactiveAdapterRegistry}: subscribing to it, and cancelling the subscription when the future is
 * cancelled. A class of its own so that Reactive Streams is loaded only by applications with such handlers.
 */
final class ReactiveResults {

    private ReactiveResults() {
    }

    /** The value, or null for an empty one, as a future that fails with the value's error. */
    static CompletableFuture<?> toFuture(ReactiveAdapter adapter, Object value) {
        ReactiveAdapter futures = ReactiveAdapterRegistry.getSharedInstance().getAdapter(CompletableFuture.class);
        if (futures == null) {
            throw new IllegalStateException("Spring's ReactiveAdapterRegistry has no adapter from "
                    + adapter.getReactiveType().getName() + " to CompletableFuture (it comes with Reactor)");
        }
        return (CompletableFuture<?>) futures.fromPublisher(adapter.toPublisher(value));
    }
}
