package io.github.swooletask.php;

import java.security.SecureRandom;

/**
 * The hash of a decoded array key ({@link Long} or {@link String}): SipHash-1-3 under a 128-bit key drawn once per
 * process from {@link SecureRandom}, over the long's 8 bytes or the string's UTF-16 code units. Unlike
 * {@link Object#hashCode()}, which anyone can make collide ({@code "Aa"} and {@code "BB"}, {@code (x<<32)|(x^h)}),
 * nobody who does not know the key can choose keys that share a hash, so a table indexed by it costs a few probes per
 * key whatever the input.
 */
final class KeyHash {

    private static final long K0;

    private static final long K1;

    static {
        SecureRandom random = new SecureRandom();
        K0 = random.nextLong();
        K1 = random.nextLong();
    }

    private KeyHash() {
    }

    /** The hash of a key: a {@link Long} or a {@link String}. */
    static long of(Object key) {
        if (key instanceof Long number) {
            return of(number.longValue());
        }
        return of((String) key);
    }

    static long of(long key) {
        State s = new State();
        s.block(key);
        return s.finish(8L << 56);
    }

    static long of(String key) {
        State s = new State();
        int n = key.length();
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s.block(key.charAt(i) | ((long) key.charAt(i + 1) << 16) | ((long) key.charAt(i + 2) << 32)
                    | ((long) key.charAt(i + 3) << 48));
        }
        long last = ((long) (n * 2) & 0xff) << 56;
        for (int shift = 0; i < n; i++, shift += 16) {
            last |= (long) key.charAt(i) << shift;
        }
        // a tag bit that a long's final block never has keeps "same bytes" of a string and a long apart
        return s.finish(last ^ 0x0080_0000_0000_0000L);
    }

    /** SipHash state: one compression round per block, three finalization rounds (SipHash-1-3). */
    private static final class State {

        private long v0 = K0 ^ 0x736f6d6570736575L;

        private long v1 = K1 ^ 0x646f72616e646f6dL;

        private long v2 = K0 ^ 0x6c7967656e657261L;

        private long v3 = K1 ^ 0x7465646279746573L;

        void block(long m) {
            this.v3 ^= m;
            round();
            this.v0 ^= m;
        }

        long finish(long lastBlock) {
            block(lastBlock);
            this.v2 ^= 0xff;
            round();
            round();
            round();
            return this.v0 ^ this.v1 ^ this.v2 ^ this.v3;
        }

        private void round() {
            this.v0 += this.v1;
            this.v1 = Long.rotateLeft(this.v1, 13);
            this.v1 ^= this.v0;
            this.v0 = Long.rotateLeft(this.v0, 32);
            this.v2 += this.v3;
            this.v3 = Long.rotateLeft(this.v3, 16);
            this.v3 ^= this.v2;
            this.v0 += this.v3;
            this.v3 = Long.rotateLeft(this.v3, 21);
            this.v3 ^= this.v0;
            this.v2 += this.v1;
            this.v1 = Long.rotateLeft(this.v1, 17);
            this.v1 ^= this.v2;
            this.v2 = Long.rotateLeft(this.v2, 32);
        }
    }
}
