/**
 * Mode 1 over a Unix domain socket: socket file, connection readers, the bounded in-memory frame queue, and
 * senders.
 */
@NullMarked
package io.github.swooletask.unix;

import org.jspecify.annotations.NullMarked;
