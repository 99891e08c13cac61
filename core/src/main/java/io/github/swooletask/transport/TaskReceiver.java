package io.github.swooletask.transport;

import io.github.swooletask.sysv.MessageBuffer;

/** What one worker thread receives from; used by that thread only. */
public interface TaskReceiver {

    /**
     * Blocks until a message for this worker arrives and copies it into the buffer's text.
     * @return the text length, or -1 when the transport was closed
     */
    int receive(MessageBuffer buffer);
}
