package io.github.swooletask.php;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Decodes the output of PHP's {@code serialize()} into plain Java values.
 *
 * <p>Mapping:
 * <ul>
 *   <li>{@code N;} &rarr; {@code null}</li>
 *   <li>{@code b:0;} / {@code b:1;} &rarr; {@link Boolean}</li>
 *   <li>{@code i:-42;} &rarr; {@link Long} (values outside the {@code long} range are rejected)</li>
 *   <li>{@code d:0.5;}, {@code d:INF;}, {@code d:-INF;}, {@code d:NAN;} &rarr; {@link Double}</li>
 *   <li>{@code s:5:"hello";} &rarr; {@link String}; the length counts bytes, which must be valid
 *       UTF-8</li>
 *   <li>{@code a:N:{...}} &rarr; an {@link ArrayList} when the keys are exactly the integers
 *       {@code 0..N-1} in that order (this includes the empty array), otherwise a mutable
 *       {@link Map} in insertion order whose keys are {@link Long} or {@link String}.
 *       Keys are kept as encoded: a string key {@code "5"} stays a {@code String}. A repeated key
 *       overwrites the earlier value in place, as PHP does; the list rule is applied to the keys
 *       that remain.</li>
 *   <li>{@code O:8:"stdClass":N:{...}} &rarr; such a {@link Map} whose first entry is
 *       {@value #CLASS_KEY} &rarr; the class name, followed by the properties in order (mangled
 *       private/protected property names are kept verbatim). A property named
 *       {@value #CLASS_KEY} is rejected because it would collide with that entry.</li>
 * </ul>
 * References ({@code r:}, {@code R:}), custom serialization ({@code C:}), enums ({@code E:}) and
 * escaped strings ({@code S:}) are not supported and rejected, as are trailing bytes after the
 * value.
 *
 * <p>Bounds, for hostile input: decoding is iterative and takes time and memory linear in the
 * input. Declared lengths are checked against the bytes that remain before anything is allocated;
 * nesting is limited to {@code maxDepth} containers and the sum of all declared array/object sizes
 * to {@code maxElements} (default {@value #DEFAULT_MAX_ELEMENTS}), and every entry takes at least 6
 * bytes of input. The maps are not {@link java.util.HashMap}s: their keys are found through a
 * table indexed by SipHash under a per-process random key, so keys made to share a
 * {@code hashCode()} (mixed {@code Long} and {@code String} keys in one bin make a
 * {@code HashMap} scan the bin on every insert) cost no more than any others. A decoded value
 * holds at most about 7 bytes of heap per byte of input (the worst case measured, a list of
 * empty objects; typical data takes 2 to 4) and at most about 150 bytes per element, so the
 * default element limit caps the containers of one value at about 40 MB whatever its size. Any
 * invalid input results in a {@link PhpSerializeException}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PhpUnserializer {

    /** Default limit on nested arrays/objects. */
    public static final int DEFAULT_MAX_DEPTH = 64;

    /**
     * Default limit on the total number of array entries and object properties of one value, all
     * levels together.
     */
    public static final int DEFAULT_MAX_ELEMENTS = 250_000;

    /** Map key under which the class name of a decoded {@code O:} object is stored. */
    public static final String CLASS_KEY = "__class";

    /** Smallest possible encoded array entry: key {@code i:0;} plus value {@code N;}. */
    private static final int MIN_ENTRY_BYTES = 6;

    private static final PhpUnserializer DEFAULT =
            new PhpUnserializer(DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS);

    private final int maxDepth;
    private final int maxElements;

    /** Creates a decoder with {@link #DEFAULT_MAX_DEPTH} and {@link #DEFAULT_MAX_ELEMENTS}. */
    public PhpUnserializer() {
        this(DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS);
    }

    /**
     * Creates a decoder with explicit limits.
     *
     * @param maxDepth maximum number of nested arrays/objects (0 allows scalars only)
     * @param maxElements maximum total of declared array entries and object properties
     * @throws IllegalArgumentException if a limit is negative
     */
    public PhpUnserializer(int maxDepth, int maxElements) {
        if (maxDepth < 0) {
            throw new IllegalArgumentException("maxDepth must be >= 0, got " + maxDepth);
        }
        if (maxElements < 0) {
            throw new IllegalArgumentException("maxElements must be >= 0, got " + maxElements);
        }
        this.maxDepth = maxDepth;
        this.maxElements = maxElements;
    }

    /**
     * Decodes a complete serialized value with the default limits.
     *
     * @param data the bytes produced by PHP's {@code serialize()}
     * @return the decoded value (see the class documentation for the mapping)
     * @throws PhpSerializeException if the data is invalid, unsupported or exceeds a limit
     */
    public static Object read(byte[] data) {
        Objects.requireNonNull(data, "data");
        return DEFAULT.decode(ByteBuffer.wrap(data));
    }

    /**
     * Decodes the bytes between {@code data}'s position and limit with the default limits. The
     * buffer's position is not changed.
     *
     * @param data the buffer holding exactly one serialized value
     * @return the decoded value (see the class documentation for the mapping)
     * @throws PhpSerializeException if the data is invalid, unsupported or exceeds a limit
     */
    public static Object read(ByteBuffer data) {
        return DEFAULT.decode(data);
    }

    /**
     * Decodes the bytes between {@code data}'s position and limit with this instance's limits. The
     * buffer's position is not changed. Error offsets are relative to the buffer's position.
     *
     * @param data the buffer holding exactly one serialized value
     * @return the decoded value (see the class documentation for the mapping)
     * @throws PhpSerializeException if the data is invalid, unsupported or exceeds a limit
     */
    public Object decode(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        return new Reader(data, this.maxDepth, this.maxElements).readValue();
    }

    /** An array or object whose entries are being read. */
    private static final class Frame {
        private final boolean object;
        private long remaining;
        /** Entries while the keys so far are 0, 1, 2, ... (arrays only); null once a map. */
        private @Nullable List<@Nullable Object> list;
        private @Nullable PhpArrayMap map;
        private @Nullable Object key;
        private boolean haveKey;

        Frame(long count, @Nullable String className) {
            this.remaining = count;
            this.object = className != null;
            if (className != null) {
                this.map = new PhpArrayMap((int) Math.min(count + 1, 16));
                this.map.put(CLASS_KEY, className);
            } else {
                // never trust the declared count for the allocation size
                this.list = new ArrayList<>((int) Math.min(count, 16));
            }
        }

        void add(@Nullable Object value) {
            Object k = Objects.requireNonNull(this.key);
            List<@Nullable Object> entries = this.list;
            if (entries != null) {
                if (k instanceof Long && (Long) k == entries.size()) {
                    entries.add(value);
                } else {
                    PhpArrayMap converted = new PhpArrayMap((int) Math.min(entries.size() + this.remaining, 1 << 16));
                    for (int i = 0; i < entries.size(); i++) {
                        converted.put((long) i, entries.get(i));
                    }
                    converted.put(k, value);
                    this.map = converted;
                    this.list = null;
                }
            } else {
                Objects.requireNonNull(this.map).put(k, value);
            }
            this.remaining--;
            this.key = null;
            this.haveKey = false;
        }

        Object build() {
            if (this.list != null) {
                return this.list;
            }
            PhpArrayMap entries = Objects.requireNonNull(this.map);
            if (!this.object) {
                // repeated keys can leave exactly 0..n-1 behind; PHP sees a list then, and so do we
                long expected = 0;
                for (Object k : entries.keySet()) {
                    if (!(k instanceof Long) || (Long) k != expected++) {
                        return entries;
                    }
                }
                return new ArrayList<>(entries.values());
            }
            return entries;
        }
    }

    /** Single-use cursor over one buffer; reads with absolute indexes only. */
    private static final class Reader {
        private final ByteBuffer buf;
        private final int base;
        private final int limit;
        private final int maxDepth;
        private final int maxElements;
        private int pos;
        private long elements;
        private @Nullable CharsetDecoder utf8;
        private @Nullable String lastClassName;
        private int lastClassStart;
        private int lastClassLength;

        Reader(ByteBuffer buf, int maxDepth, int maxElements) {
            this.buf = buf;
            this.base = buf.position();
            this.limit = buf.limit();
            this.pos = this.base;
            this.maxDepth = maxDepth;
            this.maxElements = maxElements;
        }

        Object readValue() {
            Deque<Frame> stack = new ArrayDeque<>();
            while (true) {
                Object value;
                Frame top = stack.peek();
                if (top != null && top.remaining == 0) {
                    expect('}', "to close the " + (top.object ? "object" : "array"));
                    stack.pop();
                    value = top.build();
                } else if (top != null && !top.haveKey) {
                    readKey(top);
                    continue;
                } else {
                    int start = this.pos;
                    byte type = next("a value");
                    switch (type) {
                        case 'N':
                            expect(';', "after N");
                            value = null;
                            break;
                        case 'b':
                            value = readBoolean();
                            break;
                        case 'i':
                            expect(':', "after i");
                            value = readLong();
                            expect(';', "after the integer");
                            break;
                        case 'd':
                            value = readDouble();
                            break;
                        case 's':
                            value = readString();
                            break;
                        case 'a':
                            stack.push(openArray(start, stack.size()));
                            continue;
                        case 'O':
                            stack.push(openObject(start, stack.size()));
                            continue;
                        case 'r':
                        case 'R':
                            throw errorAt(start, "references (" + (char) type + ":) are not supported");
                        case 'C':
                            throw errorAt(start, "custom-serialized objects (C:) are not supported");
                        case 'E':
                            throw errorAt(start, "enums (E:) are not supported");
                        case 'S':
                            throw errorAt(start, "escaped strings (S:) are not supported");
                        default:
                            throw errorAt(start, "unknown type tag " + describe(type));
                    }
                }
                if (stack.isEmpty()) {
                    if (this.pos != this.limit) {
                        throw error("trailing data: " + (this.limit - this.pos) + " bytes after the end of the value");
                    }
                    return value;
                }
                stack.peek().add(value);
            }
        }

        private Frame openArray(int start, int depth) {
            checkDepth(start, depth);
            expect(':', "after a");
            long count = readUnsigned("array length");
            expect(':', "after the array length");
            expect('{', "to open the array");
            checkCount(start, "array", count);
            return new Frame(count, null);
        }

        private Frame openObject(int start, int depth) {
            checkDepth(start, depth);
            expect(':', "after O");
            long nameLength = readUnsigned("class name length");
            expect(':', "after the class name length");
            int nameStart = this.pos;
            String className = readClassName(nameLength);
            if (className.isEmpty()) {
                throw errorAt(nameStart, "empty class name");
            }
            expect(':', "after the class name");
            long count = readUnsigned("property count");
            expect(':', "after the property count");
            expect('{', "to open the object");
            checkCount(start, "object", count);
            return new Frame(count, className);
        }

        private void checkDepth(int start, int depth) {
            if (depth >= this.maxDepth) {
                throw errorAt(start, "nesting deeper than " + this.maxDepth);
            }
        }

        private void checkCount(int start, String what, long count) {
            if (count > this.maxElements - this.elements) {
                throw errorAt(start, "too many elements: " + what + " declares " + count
                        + " entries, limit is " + this.maxElements + " in total (" + this.elements + " already declared)");
            }
            long needed = count * MIN_ENTRY_BYTES + 1;
            if (count > 0 && needed > this.limit - this.pos) {
                throw errorAt(start, "truncated: " + what + " declares " + count + " entries but only "
                        + (this.limit - this.pos) + " bytes are left");
            }
            this.elements += count;
        }

        private void readKey(Frame frame) {
            int start = this.pos;
            byte type = next(frame.object ? "a property name" : "an array key");
            Object key;
            if (type == 'i') {
                expect(':', "after i");
                key = readLong();
                expect(';', "after the integer key");
            } else if (type == 's') {
                key = readString();
                if (frame.object && CLASS_KEY.equals(key)) {
                    throw errorAt(start, "property name \"" + CLASS_KEY + "\" collides with the class name entry");
                }
            } else {
                throw errorAt(start, (frame.object ? "property name" : "array key")
                        + " must be i: or s:, found " + describe(type));
            }
            frame.key = key;
            frame.haveKey = true;
        }

        private Boolean readBoolean() {
            expect(':', "after b");
            int start = this.pos;
            byte b = next("0 or 1");
            Boolean value;
            if (b == '0') {
                value = Boolean.FALSE;
            } else if (b == '1') {
                value = Boolean.TRUE;
            } else {
                throw errorAt(start, "boolean must be 0 or 1, found " + describe(b));
            }
            expect(';', "after the boolean");
            return value;
        }

        /** Reads {@code [+-]?[0-9]+} into a long, rejecting overflow. */
        private long readLong() {
            int start = this.pos;
            boolean negative = false;
            if (this.pos < this.limit && (this.buf.get(this.pos) == '-' || this.buf.get(this.pos) == '+')) {
                negative = this.buf.get(this.pos) == '-';
                this.pos++;
            }
            // accumulate negatively so that Long.MIN_VALUE fits
            long floor = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
            long multFloor = floor / 10;
            long acc = 0;
            int digits = 0;
            while (this.pos < this.limit && isDigit(this.buf.get(this.pos))) {
                int d = this.buf.get(this.pos) - '0';
                if (acc < multFloor || acc * 10 < floor + d) {
                    throw errorAt(start, "integer out of range for a 64-bit long");
                }
                acc = acc * 10 - d;
                digits++;
                this.pos++;
            }
            if (digits == 0) {
                throw missingDigits("integer");
            }
            return negative ? acc : -acc;
        }

        /** Reads {@code [0-9]+} (a length or count) into a non-negative long. */
        private long readUnsigned(String what) {
            int start = this.pos;
            long acc = 0;
            int digits = 0;
            while (this.pos < this.limit && isDigit(this.buf.get(this.pos))) {
                int d = this.buf.get(this.pos) - '0';
                if (acc > (Long.MAX_VALUE - d) / 10) {
                    throw errorAt(start, what + " is too large");
                }
                acc = acc * 10 + d;
                digits++;
                this.pos++;
            }
            if (digits == 0) {
                throw missingDigits(what);
            }
            return acc;
        }

        private PhpSerializeException missingDigits(String what) {
            if (this.pos >= this.limit) {
                return error("truncated: data ended where " + what + " digits were expected");
            }
            return error("expected " + what + " digits, found " + describe(this.buf.get(this.pos)));
        }

        /** Reads the rest of a {@code d:} value: PHP's float grammar or NAN, INF, -INF. */
        private Double readDouble() {
            expect(':', "after d");
            int start = this.pos;
            if (matches("NAN;")) {
                this.pos += 4;
                return Double.NaN;
            }
            if (matches("INF;")) {
                this.pos += 4;
                return Double.POSITIVE_INFINITY;
            }
            if (matches("-INF;")) {
                this.pos += 5;
                return Double.NEGATIVE_INFINITY;
            }
            if (this.pos < this.limit && (this.buf.get(this.pos) == '-' || this.buf.get(this.pos) == '+')) {
                this.pos++;
            }
            int mantissaDigits = skipDigits();
            if (this.pos < this.limit && this.buf.get(this.pos) == '.') {
                this.pos++;
                mantissaDigits += skipDigits();
            }
            if (mantissaDigits == 0) {
                throw this.pos >= this.limit ? error("truncated: data ended inside a float")
                        : error("malformed float: expected a digit, found " + describe(this.buf.get(this.pos)));
            }
            if (this.pos < this.limit && (this.buf.get(this.pos) == 'e' || this.buf.get(this.pos) == 'E')) {
                this.pos++;
                if (this.pos < this.limit && (this.buf.get(this.pos) == '-' || this.buf.get(this.pos) == '+')) {
                    this.pos++;
                }
                if (skipDigits() == 0) {
                    throw this.pos >= this.limit ? error("truncated: data ended inside a float exponent")
                            : error("malformed float exponent: found " + describe(this.buf.get(this.pos)));
                }
            }
            int end = this.pos;
            expect(';', "after the float");
            StringBuilder text = new StringBuilder(end - start);
            for (int i = start; i < end; i++) {
                text.append((char) this.buf.get(i));
            }
            try {
                return Double.parseDouble(text.toString());
            } catch (NumberFormatException e) {
                throw errorAt(start, "malformed float", e);
            }
        }

        private int skipDigits() {
            int n = 0;
            while (this.pos < this.limit && isDigit(this.buf.get(this.pos))) {
                this.pos++;
                n++;
            }
            return n;
        }

        private boolean matches(String ascii) {
            if (this.limit - this.pos < ascii.length()) {
                return false;
            }
            for (int i = 0; i < ascii.length(); i++) {
                if (this.buf.get(this.pos + i) != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Reads the rest of {@code s:len:"...";}. */
        private String readString() {
            expect(':', "after s");
            long length = readUnsigned("string length");
            expect(':', "after the string length");
            String value = readQuoted(length, "string");
            expect(';', "after the string");
            return value;
        }

        /**
         * Reads a quoted class name; a name with the same bytes as the one before is the same
         * {@code String}, so a list of many objects of one class holds its name once.
         */
        private String readClassName(long length) {
            int quote = this.pos;
            String previous = this.lastClassName;
            if (previous != null && length == this.lastClassLength && this.limit - quote > length
                    && this.buf.get(quote) == '"' && sameBytes(this.lastClassStart, quote + 1, (int) length)) {
                this.pos = quote + 1 + (int) length;
                expect('"', "to close the class name of length " + length);
                return previous;
            }
            String name = readQuoted(length, "class name");
            this.lastClassName = name;
            this.lastClassStart = quote + 1;
            this.lastClassLength = (int) length;
            return name;
        }

        private boolean sameBytes(int a, int b, int n) {
            for (int i = 0; i < n; i++) {
                if (this.buf.get(a + i) != this.buf.get(b + i)) {
                    return false;
                }
            }
            return true;
        }

        /** Reads {@code "<length bytes of UTF-8>"}. */
        private String readQuoted(long length, String what) {
            expect('"', "to open the " + what);
            int left = this.limit - this.pos;
            if (length > left) {
                throw error(what + " length " + length + " exceeds the " + left + " bytes left");
            }
            int n = (int) length;
            String value = decodeUtf8(this.pos, n, what);
            this.pos += n;
            expect('"', "to close the " + what + " of length " + n);
            return value;
        }

        private String decodeUtf8(int from, int n, String what) {
            if (n == 0) {
                return "";
            }
            boolean ascii = true;
            for (int i = from; i < from + n; i++) {
                if (this.buf.get(i) < 0) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) {
                char[] chars = new char[n];
                for (int i = 0; i < n; i++) {
                    chars[i] = (char) this.buf.get(from + i);
                }
                return new String(chars);
            }
            if (this.utf8 == null) {
                this.utf8 = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
            }
            ByteBuffer slice = this.buf.slice(from, n);
            try {
                return this.utf8.decode(slice).toString();
            } catch (CharacterCodingException e) {
                throw errorAt(from + slice.position(), what + " is not valid UTF-8", e);
            }
        }

        private byte next(String expected) {
            if (this.pos >= this.limit) {
                throw error("truncated: data ended where " + expected + " was expected");
            }
            return this.buf.get(this.pos++);
        }

        private void expect(char c, String context) {
            if (this.pos >= this.limit) {
                throw error("truncated: expected '" + c + "' " + context + " but the data ended");
            }
            byte b = this.buf.get(this.pos);
            if (b != c) {
                throw error("expected '" + c + "' " + context + ", found " + describe(b));
            }
            this.pos++;
        }

        private static boolean isDigit(byte b) {
            return b >= '0' && b <= '9';
        }

        private static String describe(byte b) {
            if (b >= 0x20 && b < 0x7f) {
                return "'" + (char) b + "'";
            }
            return String.format("byte 0x%02x", b & 0xff);
        }

        private PhpSerializeException error(String problem) {
            return errorAt(this.pos, problem);
        }

        private PhpSerializeException errorAt(int absolute, String problem) {
            return new PhpSerializeException(absolute - this.base, problem);
        }

        private PhpSerializeException errorAt(int absolute, String problem, Throwable cause) {
            return new PhpSerializeException(absolute - this.base, problem, cause);
        }
    }
}
