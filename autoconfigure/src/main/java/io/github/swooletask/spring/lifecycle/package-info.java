/**
 * The lifecycle that starts the task workers with the application context and stops them gracefully.
 */
@NullMarked
package io.github.swooletask.spring.lifecycle;

import org.jspecify.annotations.NullMarked;
