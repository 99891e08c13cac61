package io.github.swooletask.wire;

/** A message could not become a task; carries the reason for metrics and a detail for the log. */
public class FrameRejectedException extends Exception {

    private final RejectReason reason;

    public FrameRejectedException(RejectReason reason, String detail) {
        super(reason.tag() + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public FrameRejectedException(RejectReason reason, String detail, Throwable cause) {
        super(reason.tag() + ": " + detail, cause, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return this.reason;
    }
}
