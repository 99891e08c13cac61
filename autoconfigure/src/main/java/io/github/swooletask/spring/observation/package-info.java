/**
 * Micrometer observations that carry trace context from a dispatch to its handler.
 */
@NullMarked
package io.github.swooletask.spring.observation;

import org.jspecify.annotations.NullMarked;
