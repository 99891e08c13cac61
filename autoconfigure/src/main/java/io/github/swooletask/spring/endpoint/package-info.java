/**
 * The {@code swooletask} actuator endpoint.
 */
@NullMarked
package io.github.swooletask.spring.endpoint;

import org.jspecify.annotations.NullMarked;
