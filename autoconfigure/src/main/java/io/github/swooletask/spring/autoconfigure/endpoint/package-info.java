/**
 * Auto-configuration of the {@code swooletask} actuator endpoint.
 */
@NullMarked
package io.github.swooletask.spring.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
