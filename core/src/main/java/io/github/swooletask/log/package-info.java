/**
 * Logging what other programs sent: {@link io.github.swooletask.log.LogSafe} escapes control and other non-printable
 * characters so that foreign text never forges a log line, and {@link io.github.swooletask.log.LogRateLimit} keeps
 * a flood of similar events to a few lines and a count.
 */
@NullMarked
package io.github.swooletask.log;

import org.jspecify.annotations.NullMarked;
