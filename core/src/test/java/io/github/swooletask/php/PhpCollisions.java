package io.github.swooletask.php;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hostile PHP arrays for decoder tests: keys that all share one Java {@code hashCode()}, which is what makes a
 * {@link java.util.HashMap} slow when {@code Long} and {@code String} keys land in one bin (it can order neither
 * against the other, so every insert scans the bin), and plain large arrays.
 */
public final class PhpCollisions {

    private PhpCollisions() {
    }

    /** The {@code index}-th of the {@code 2^blocks} strings made of "Aa" and "BB" blocks: they all share a hash code. */
    public static String collidingString(int index, int blocks) {
        StringBuilder text = new StringBuilder(2 * blocks);
        for (int b = 0; b < blocks; b++) {
            text.append(((index >>> b) & 1) == 0 ? "Aa" : "BB");
        }
        return text.toString();
    }

    /** The hash code every {@link #collidingString} of that many blocks has. */
    public static int collidingHash(int blocks) {
        return collidingString(0, blocks).hashCode();
    }

    /** A long whose {@link Long#hashCode()} is {@code hash}: {@code (x << 32) | (x ^ hash)}, distinct for each x. */
    public static long collidingLong(long x, int hash) {
        return (x << 32) | ((x ^ hash) & 0xFFFF_FFFFL);
    }

    /**
     * {@code a:n:{...}} with {@code n} keys, alternately a {@link #collidingLong} and a {@link #collidingString}, all
     * of one hash code, each with the value {@code i:<index>;}.
     */
    public static byte[] mixedCollisions(int n) {
        int blocks = blocksFor((n + 1) / 2);
        int hash = collidingHash(blocks);
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * (2 * blocks + 24));
        write(out, "a:" + n + ":{");
        for (int i = 0; i < n; i++) {
            if ((i & 1) == 0) {
                write(out, "i:" + collidingLong(i / 2 + 1, hash) + ";");
            }
            else {
                write(out, "s:" + (2 * blocks) + ":\"" + collidingString(i / 2, blocks) + "\";");
            }
            write(out, "i:" + i + ";");
        }
        write(out, "}");
        return out.toByteArray();
    }

    /** The key {@link #mixedCollisions} puts at {@code index}. */
    public static Object mixedCollisionKey(int index, int n) {
        int blocks = blocksFor((n + 1) / 2);
        return ((index & 1) == 0) ? (Object) collidingLong(index / 2 + 1, collidingHash(blocks))
                : collidingString(index / 2, blocks);
    }

    /** {@code a:n:{i:1;N;i:2;N;...}}: keys 1..n, so a map, not a list (about 11 bytes an entry). */
    public static byte[] largeMap(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 12);
        write(out, "a:" + n + ":{");
        for (int i = 1; i <= n; i++) {
            write(out, "i:" + i + ";N;");
        }
        write(out, "}");
        return out.toByteArray();
    }

    private static int blocksFor(int strings) {
        int blocks = 1;
        while ((1 << blocks) < strings) {
            blocks++;
        }
        return blocks;
    }

    private static void write(ByteArrayOutputStream out, String ascii) {
        out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
    }
}
