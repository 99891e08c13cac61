package io.github.swooletask.sysv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's System V message queue limits as {@code /proc/sys/kernel} reports them.
 *
 * @param msgmax largest message text in bytes
 * @param msgmnb default byte capacity of a new queue
 * @param msgmni most queues the system allows
 */
public record KernelLimits(long msgmax, long msgmnb, long msgmni) {

    /** The Linux default of {@code kernel.msgmnb}. */
    public static final long DEFAULT_MSGMNB = 16384;

    private static final Path PROC = Path.of("/proc/sys/kernel");

    /** Reads the current limits; a value that cannot be read is -1. */
    public static KernelLimits read() {
        return new KernelLimits(readLong("msgmax"), readLong("msgmnb"), readLong("msgmni"));
    }

    private static long readLong(String name) {
        try {
            // /proc files report size 0, which Files.readString trusts; read them as a stream instead
            try (InputStream in = Files.newInputStream(PROC.resolve(name))) {
                return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
            }
        }
        catch (IOException | NumberFormatException | SecurityException ex) {
            return -1;
        }
    }
}
