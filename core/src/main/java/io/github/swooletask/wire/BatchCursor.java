package io.github.swooletask.wire;

import java.nio.ByteBuffer;

/**
 * Walks the frames of one batch message ({@link TaskFlags#BATCH}), decoding each into the worker's
 * {@link DecodedTask}. A frame that breaks a rule is reported by {@link #next} and skipped when its length field
 * still marks where the next frame starts; when even that cannot be trusted the cursor ends, so no byte is read as a
 * frame that was not written as one. One cursor per {@link FrameDecoder}; not thread-safe.
 */
public final class BatchCursor {

    private final FrameDecoder decoder;

    private ByteBuffer frame = ByteBuffer.allocate(0);

    private int offset;

    private int end;

    BatchCursor(FrameDecoder decoder) {
        this.decoder = decoder;
    }

    BatchCursor open(ByteBuffer frame, int start, int end) {
        this.frame = frame;
        this.offset = start;
        this.end = end;
        return this;
    }

    /** Whether another frame follows. */
    public boolean hasNext() {
        return this.offset < this.end;
    }

    /**
     * Decodes the next frame into {@code into}.
     * @throws FrameRejectedException when the frame cannot become a task; {@link #hasNext()} tells whether the
     * frames after it can still be read
     */
    public void next(DecodedTask into) throws FrameRejectedException {
        int left = this.end - this.offset;
        if (left < TaskFrame.HEADER_SIZE) {
            this.offset = this.end;
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "batch ends with " + left + " stray bytes");
        }
        int length = TaskFrame.HEADER_SIZE + (this.frame.getShort(this.offset + TaskFrame.OFFSET_LENGTH) & 0xFFFF);
        if (length > left) {
            this.offset = this.end;
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "a frame in a batch claims " + length
                    + " bytes but only " + left + " are left");
        }
        int at = this.offset;
        this.offset += length;
        this.decoder.decode(this.frame, at, length, true, into);
    }
}
