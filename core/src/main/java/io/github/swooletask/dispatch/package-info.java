/**
 * The send path: the dispatcher with its task ids, worker targeting, batching, backlog estimate, full-queue policy
 * and in-JVM replies.
 */
@NullMarked
package io.github.swooletask.dispatch;

import org.jspecify.annotations.NullMarked;
