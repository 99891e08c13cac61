/**
 * Waiting without busy work: the idle strategy every wait of the project uses.
 */
@NullMarked
package io.github.swooletask.concurrent;

import org.jspecify.annotations.NullMarked;
