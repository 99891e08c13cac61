package io.github.swooletask.wire;

import io.github.swooletask.log.LogSafe;

/**
 * A message could not become a task; carries the reason for metrics and a detail for the log. The detail often holds
 * what another program sent (a task name, a spill path), so control and other non-printable characters in it are
 * escaped ({@link LogSafe}): the message is always one safe log line.
 */
public class FrameRejectedException extends Exception {

    private final RejectReason reason;

    public FrameRejectedException(RejectReason reason, String detail) {
        super(reason.tag() + ": " + LogSafe.escape(detail), null, false, false);
        this.reason = reason;
    }

    public FrameRejectedException(RejectReason reason, String detail, Throwable cause) {
        super(reason.tag() + ": " + LogSafe.escape(detail), cause, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return this.reason;
    }
}
