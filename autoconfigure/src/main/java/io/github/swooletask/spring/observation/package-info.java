/**
 * Micrometer observations of dispatches and handler runs ({@link io.github.swooletask.spring.observation.SwooleTaskObservation}),
 * their contexts and replaceable conventions, carrying trace context from a dispatch through the queue to its
 * handler.
 */
@NullMarked
package io.github.swooletask.spring.observation;

import org.jspecify.annotations.NullMarked;
