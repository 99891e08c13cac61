package io.github.swooletask.transport;

/**
 * Results of tasks between processes of one application on several hosts: a task dispatched with a reply wanted
 * carries this process's {@link #address()}; the worker that ran it, wherever it runs, {@link #send}s the result
 * there, and this process's {@link ResultListener} gets it. Thread-safe.
 */
public interface ResultChannel {

    /** The delivery fact ({@code TaskReceiver#delivery()}) of a call's task that holds its caller's address. */
    String REPLY_ADDRESS = "replyTo";

    /** The address results for this process go to (for example its reply stream). */
    String address();

    /**
     * Whether results may be sent to this address, which a task carried: a channel that any program may name an
     * address on (another program posting to the same stream) confines the addresses to its own kind, so that a
     * task cannot make the worker write where its poster chose. All by default.
     */
    default boolean accepts(String address) {
        return true;
    }

    /** How an address {@link #accepts} looks, for the message that refuses another one. */
    default String addressRule() {
        return "any address";
    }

    /** Starts delivering the results sent to {@link #address()} to the listener, on a thread of the channel's. */
    void listen(ResultListener listener);

    /**
     * Sends a result to the process whose address a task carried.
     * @param address the address from the task's delivery facts
     * @param taskId the task's id
     * @param tag the dispatcher's tag (the task's from id)
     * @param flags payload flags of the result ({@code SERIALIZE}, {@code JSON}, {@code FAILED} or none)
     * @param payload the result, or the error text of a failure
     * @return whether it was sent
     */
    boolean send(String address, int taskId, int tag, int flags, byte[] payload);

    /** Receives results on the channel's thread. */
    @FunctionalInterface
    interface ResultListener {

        /** A result arrived for task {@code taskId} of the dispatcher tagged {@code tag}. */
        void result(int taskId, int tag, int flags, byte[] payload);
    }
}
