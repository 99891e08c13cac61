/**
 * A transport in memory, for tests where the kernel is not the point.
 */
@NullMarked
package io.github.swooletask.memory;

import org.jspecify.annotations.NullMarked;
