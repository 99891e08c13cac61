/**
 * The {@code swooleTask} health indicator.
 */
@NullMarked
package io.github.swooletask.spring.health;

import org.jspecify.annotations.NullMarked;
