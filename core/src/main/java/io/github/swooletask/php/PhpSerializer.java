package io.github.swooletask.php;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Encodes plain Java values in PHP's {@code serialize()} format, byte for byte as PHP 7.1+ would
 * (with the default {@code serialize_precision = -1}).
 *
 * <p>Mapping:
 * <ul>
 *   <li>{@code null} &rarr; {@code N;}</li>
 *   <li>{@link Boolean} &rarr; {@code b:0;} / {@code b:1;}</li>
 *   <li>{@link Long}, {@link Integer}, {@link Short}, {@link Byte} &rarr; {@code i:...;}</li>
 *   <li>{@link Double} &rarr; {@code d:...;} using PHP's formatting: the shortest decimal that
 *       reads back as the same double, {@code d:1;} for 1.0, {@code d:-0;}, {@code d:0.1;},
 *       {@code d:1.0E+25;}, {@code d:INF;}, {@code d:-INF;}, {@code d:NAN;}</li>
 *   <li>{@link Float} &rarr; {@code d:...;} with the shortest decimal that reads back as the same
 *       float, so {@code 0.1f} becomes {@code d:0.1;} (PHP reads it as the double nearest 0.1)</li>
 *   <li>{@link CharSequence} &rarr; {@code s:<UTF-8 byte length>:"...";} (unpaired surrogates are
 *       rejected)</li>
 *   <li>{@code byte[]} &rarr; {@code s:} with the raw bytes</li>
 *   <li>{@link List} and {@code Object[]} &rarr; {@code a:} with keys {@code 0..n-1}</li>
 *   <li>{@link Map} &rarr; {@code a:} with {@link Long}, {@link Integer}, {@link Short} and
 *       {@link Byte} keys as {@code i:} and any other key as the {@code s:} of its
 *       {@code toString()}; {@code null} keys are rejected</li>
 * </ul>
 * Any other type, a container that contains itself, or nesting deeper than {@value #MAX_DEPTH}
 * levels causes an {@link IllegalArgumentException}.
 */
public final class PhpSerializer {

    /** Maximum nesting of lists, maps and arrays accepted by the encoder. */
    public static final int MAX_DEPTH = 512;

    private PhpSerializer() {
    }

    /**
     * Serializes a value.
     *
     * @param value the value to encode (see the class documentation for supported types)
     * @return the PHP {@code serialize()} bytes
     * @throws IllegalArgumentException if the value, or anything inside it, cannot be encoded
     */
    public static byte[] write(Object value) {
        Writer writer = new Writer();
        writer.value(value, 0);
        return writer.out.toByteArray();
    }

    /**
     * Serializes a value and appends the bytes to {@code out}. Nothing is appended if the value
     * cannot be encoded.
     *
     * @param value the value to encode (see the class documentation for supported types)
     * @param out the stream to append to
     * @throws IllegalArgumentException if the value, or anything inside it, cannot be encoded
     */
    public static void write(Object value, ByteArrayOutputStream out) {
        byte[] bytes = write(value);
        out.write(bytes, 0, bytes.length);
    }

    /**
     * Formats a double the way PHP's {@code serialize()} does with {@code serialize_precision=-1}.
     */
    static String formatDouble(double d) {
        if (Double.isNaN(d)) {
            return "NAN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "INF" : "-INF";
        }
        if (d == 0) {
            return Double.doubleToRawLongBits(d) < 0 ? "-0" : "0";
        }
        double abs = Math.abs(d);
        BigDecimal shortest;
        if (abs < 0x1p53 && abs == Math.rint(abs)) {
            shortest = BigDecimal.valueOf((long) abs);
        } else {
            String javaRepr = Double.toString(abs);
            BigDecimal candidate = new BigDecimal(javaRepr).stripTrailingZeros();
            if (abs >= Double.MIN_NORMAL && candidate.precision() <= 15) {
                // no two decimals of <= 15 significant digits map to the same normal double, so a
                // round-tripping one with <= 15 digits is the unique shortest
                shortest = candidate;
            } else {
                shortest = shortestDecimal(new BigDecimal(abs), javaRepr, s -> Double.parseDouble(s) == abs);
            }
        }
        return (d < 0 ? "-" : "") + phpGcvt(shortest);
    }

    /** Formats a float as the shortest decimal that reads back as the same float. */
    static String formatFloat(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f) || f == 0) {
            return formatDouble(f);
        }
        float abs = Math.abs(f);
        BigDecimal shortest = shortestDecimal(new BigDecimal(abs), Float.toString(abs),
                s -> Float.parseFloat(s) == abs);
        return (f < 0 ? "-" : "") + phpGcvt(shortest);
    }

    private interface RoundTrip {
        boolean test(String decimal);
    }

    /**
     * Finds the decimal with the fewest significant digits that round-trips, preferring the one
     * closest to {@code exact}. {@code knownGood} (Java's own repr) round-trips and bounds the
     * search; round-tripping is monotonic in the digit count, so a binary search suffices.
     */
    private static BigDecimal shortestDecimal(BigDecimal exact, String knownGood, RoundTrip roundTrip) {
        BigDecimal upper = new BigDecimal(knownGood).stripTrailingZeros();
        int lo = 1;
        int hi = upper.precision();
        // full-precision values are the common case here, so probe 15 digits first
        int mid = Math.min(15, hi - 1);
        BigDecimal best = null;
        while (lo < hi) {
            if (mid < lo || mid >= hi) {
                mid = (lo + hi) >>> 1;
            }
            BigDecimal found = candidate(exact, mid, roundTrip);
            if (found != null) {
                best = found;
                hi = mid;
            } else {
                lo = mid + 1;
            }
            mid = -1;
        }
        if (best == null || best.precision() > hi) {
            // hi was never probed: pick the nearest hi-digit decimal, which need not be Java's
            best = candidate(exact, hi, roundTrip);
        }
        return (best != null ? best : upper).stripTrailingZeros();
    }

    /** The round-tripping decimal with {@code digits} significant digits nearest to exact, if any. */
    private static BigDecimal candidate(BigDecimal exact, int digits, RoundTrip roundTrip) {
        BigDecimal down = exact.round(new MathContext(digits, RoundingMode.FLOOR));
        BigDecimal up = exact.round(new MathContext(digits, RoundingMode.CEILING));
        boolean downOk = roundTrip.test(down.toString());
        boolean upOk = roundTrip.test(up.toString());
        if (downOk && upOk) {
            int cmp = exact.subtract(down).compareTo(up.subtract(exact));
            if (cmp != 0) {
                return cmp < 0 ? down : up;
            }
            return down.unscaledValue().testBit(0) ? up : down;
        }
        return downOk ? down : upOk ? up : null;
    }

    /**
     * Lays out positive significant digits like PHP's {@code php_gcvt} with 17 digits of precision:
     * plain notation for decimal exponents from -4 to 16, otherwise {@code d.dddE+x}.
     */
    private static String phpGcvt(BigDecimal positive) {
        String digits = positive.unscaledValue().toString();
        // value = 0.<digits> * 10^decpt
        int decpt = digits.length() - positive.scale();
        StringBuilder sb = new StringBuilder(digits.length() + 8);
        if (decpt < 0 ? decpt < -3 : decpt > 17) {
            int exponent = decpt - 1;
            sb.append(digits.charAt(0)).append('.');
            sb.append(digits.length() == 1 ? "0" : digits.substring(1));
            sb.append('E').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
        } else if (decpt < 0) {
            sb.append("0.");
            for (int i = decpt; i < 0; i++) {
                sb.append('0');
            }
            sb.append(digits);
        } else if (decpt == 0) {
            sb.append("0.").append(digits);
        } else if (digits.length() <= decpt) {
            sb.append(digits);
            for (int i = digits.length(); i < decpt; i++) {
                sb.append('0');
            }
        } else {
            sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        }
        return sb.toString();
    }

    /** Single-use encoder state. */
    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
        private CharsetEncoder utf8;

        void value(Object v, int depth) {
            if (v == null) {
                ascii("N;");
            } else if (v instanceof Boolean) {
                ascii((Boolean) v ? "b:1;" : "b:0;");
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                ascii("i:" + ((Number) v).longValue() + ";");
            } else if (v instanceof Double) {
                ascii("d:" + formatDouble((Double) v) + ";");
            } else if (v instanceof Float) {
                ascii("d:" + formatFloat((Float) v) + ";");
            } else if (v instanceof CharSequence) {
                string(utf8((CharSequence) v));
            } else if (v instanceof byte[]) {
                string((byte[]) v);
            } else if (v instanceof List) {
                enter(v, depth);
                list(((List<?>) v).toArray(), depth);
                this.path.remove(v);
            } else if (v instanceof Object[]) {
                enter(v, depth);
                list((Object[]) v, depth);
                this.path.remove(v);
            } else if (v instanceof Map) {
                enter(v, depth);
                map((Map<?, ?>) v, depth);
                this.path.remove(v);
            } else {
                throw new IllegalArgumentException(
                        "cannot serialize a value of type " + v.getClass().getName() + " to PHP");
            }
        }

        private void enter(Object container, int depth) {
            if (depth >= MAX_DEPTH) {
                throw new IllegalArgumentException("nesting deeper than " + MAX_DEPTH + " levels");
            }
            if (!this.path.add(container)) {
                throw new IllegalArgumentException(
                        "cyclic reference: a " + container.getClass().getName() + " contains itself");
            }
        }

        private void list(Object[] items, int depth) {
            ascii("a:" + items.length + ":{");
            for (int i = 0; i < items.length; i++) {
                ascii("i:" + i + ";");
                value(items[i], depth + 1);
            }
            this.out.write('}');
        }

        private void map(Map<?, ?> map, int depth) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            ascii("a:" + entries.size() + ":{");
            for (Map.Entry<?, ?> e : entries) {
                Object key = e.getKey();
                if (key == null) {
                    throw new IllegalArgumentException("cannot serialize a null map key to PHP");
                }
                if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
                    ascii("i:" + ((Number) key).longValue() + ";");
                } else {
                    String text = key.toString();
                    if (text == null) {
                        throw new IllegalArgumentException("map key of type "
                                + key.getClass().getName() + " has a null toString()");
                    }
                    string(utf8(text));
                }
                value(e.getValue(), depth + 1);
            }
            this.out.write('}');
        }

        private void string(byte[] bytes) {
            ascii("s:" + bytes.length + ":\"");
            this.out.write(bytes, 0, bytes.length);
            ascii("\";");
        }

        private byte[] utf8(CharSequence cs) {
            int n = cs.length();
            boolean ascii = true;
            for (int i = 0; i < n; i++) {
                if (cs.charAt(i) >= 0x80) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) {
                byte[] bytes = new byte[n];
                for (int i = 0; i < n; i++) {
                    bytes[i] = (byte) cs.charAt(i);
                }
                return bytes;
            }
            if (this.utf8 == null) {
                this.utf8 = StandardCharsets.UTF_8.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
            }
            CharBuffer in = CharBuffer.wrap(cs);
            try {
                ByteBuffer encoded = this.utf8.encode(in);
                byte[] bytes = new byte[encoded.remaining()];
                encoded.get(bytes);
                return bytes;
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(
                        "string is not valid UTF-16 (unpaired surrogate at index " + in.position() + ")", e);
            }
        }

        private void ascii(String s) {
            for (int i = 0; i < s.length(); i++) {
                this.out.write(s.charAt(i));
            }
        }
    }
}
