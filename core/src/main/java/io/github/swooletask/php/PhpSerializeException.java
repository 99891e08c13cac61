package io.github.swooletask.php;

/**
 * Thrown when bytes handed to {@link PhpUnserializer} are not a valid, supported PHP
 * {@code serialize()} encoding, or exceed the decoder's limits.
 *
 * <p>The message names the problem and the zero-based byte offset (relative to the start of the
 * decoded data) where it was detected, for example
 * {@code "PHP serialize data invalid at byte 17: string length 99 exceeds the 5 bytes left"}.
 */
public class PhpSerializeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * Creates an exception for a problem found at {@code offset}.
     *
     * @param offset zero-based byte offset into the decoded data
     * @param problem short description of what is wrong
     */
    public PhpSerializeException(int offset, String problem) {
        super("PHP serialize data invalid at byte " + offset + ": " + problem);
        this.offset = offset;
    }

    /**
     * Creates an exception for a problem found at {@code offset}, keeping the underlying cause.
     *
     * @param offset zero-based byte offset into the decoded data
     * @param problem short description of what is wrong
     * @param cause the underlying exception
     */
    public PhpSerializeException(int offset, String problem, Throwable cause) {
        super("PHP serialize data invalid at byte " + offset + ": " + problem, cause);
        this.offset = offset;
    }

    /**
     * Returns the zero-based byte offset, relative to the start of the decoded data, at which the
     * problem was detected.
     *
     * @return the byte offset
     */
    public int offset() {
        return this.offset;
    }
}
