package io.github.swooletask.wire;

/** Why a message could not become a task; {@link #tag()} is the {@code reason} tag of the rejected-messages meter. */
public enum RejectReason {

    /** Fewer than 12 bytes. */
    SHORT_HEADER("short-header"),
    /** The length field does not match the bytes received. */
    LENGTH_MISMATCH("length-mismatch"),
    /** The type is not a task's (7, or 8 in the 40-byte layout), e.g. Swoole's pipe message or shutdown. */
    UNKNOWN_TYPE("unknown-type"),
    /** Unknown flag bits or a combination that makes no sense. */
    BAD_FLAGS("bad-flags"),
    /** A spill path outside {@code tmpdir}, through a symlink, or not named {@code swoole.task*}. */
    SPILL_PATH("spill-path"),
    /** The spill file does not exist or cannot be read. */
    SPILL_MISSING("spill-missing"),
    /** The spill file's size is not the length the message declares. */
    SPILL_SIZE("spill-size"),
    /** More bytes than allowed, in a message or a spill file. */
    OVERSIZE("oversize"),
    /** A malformed route name or batch. */
    BAD_FRAME("bad-frame"),
    /** The payload cannot be decoded (broken PHP serialize data, invalid JSON or UTF-8). */
    BAD_PAYLOAD("bad-payload"),
    /** No handler takes the task's route and there is no default handler. */
    NO_HANDLER("no-handler"),
    /** The reply queue a task names is one its sender may not have been allowed to write to. */
    REPLY_TARGET("reply-target");

    private final String tag;

    RejectReason(String tag) {
        this.tag = tag;
    }

    /** The meter tag value. */
    public String tag() {
        return this.tag;
    }
}
