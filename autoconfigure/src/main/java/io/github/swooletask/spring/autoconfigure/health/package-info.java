/**
 * Auto-configuration of the {@code swooleTask} health contributor.
 */
@NullMarked
package io.github.swooletask.spring.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
