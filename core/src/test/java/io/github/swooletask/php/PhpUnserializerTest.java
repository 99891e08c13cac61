package io.github.swooletask.php;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhpUnserializerTest {

    private static Object read(String s) {
        return PhpUnserializer.read(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Object readUtf8(String s) {
        return PhpUnserializer.read(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Asserts that decoding the Latin-1 bytes of {@code s} fails with a PhpSerializeException. */
    private static AbstractThrowableAssert<?, ? extends Throwable> fails(String s) {
        return assertThatThrownBy(() -> read(s)).isInstanceOf(PhpSerializeException.class);
    }

    private static Map<Object, Object> mapOf(Object... keysAndValues) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asMap(Object value) {
        return (Map<Object, Object>) value;
    }

    @Test
    void scalars() {
        assertThat(read("N;")).isNull();
        assertThat(read("b:0;")).isEqualTo(false);
        assertThat(read("b:1;")).isEqualTo(true);
        assertThat(read("i:-42;")).isEqualTo(-42L);
        assertThat(read("i:+5;")).isEqualTo(5L);
        assertThat(read("i:007;")).isEqualTo(7L);
        assertThat(read("i:9223372036854775807;")).isEqualTo(Long.MAX_VALUE);
        assertThat(read("i:-9223372036854775808;")).isEqualTo(Long.MIN_VALUE);
        assertThat(read("s:5:\"hello\";")).isEqualTo("hello");
        assertThat(read("s:0:\"\";")).isEqualTo("");
        assertThat(read("s:3:\"a\"b\";")).isEqualTo("a\"b");
        assertThat(read("s:3:\"a\0b\";")).isEqualTo("a\0b");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "d:0.5;          | 0.5",
        "d:1;            | 1.0",
        "d:-0;           | -0.0",
        "d:1.0E+25;      | 1e25",
        "d:1.5E-7;       | 1.5e-7",
        "d:1e2;          | 100.0",
        "d:.5;           | 0.5",
        "d:5.;           | 5.0",
        "d:+1;           | 1.0",
        "d:0.1;          | 0.1",
        "d:1e999;        | Infinity",
        "d:INF;          | Infinity",
        "d:-INF;         | -Infinity",
        "d:NAN;          | NaN",
    })
    void doubles(String encoded, double expected) {
        assertThat(read(encoded)).isEqualTo(expected);
    }

    @Test
    void utf8Strings() {
        assertThat(readUtf8("s:10:\"héllo €\";")).isEqualTo("héllo €");
        assertThat(readUtf8("s:4:\"\uD83D\uDE00\";")).isEqualTo("\uD83D\uDE00");
        // length counts bytes, not characters
        assertThatThrownBy(() -> readUtf8("s:7:\"héllo €\";"))
                .isInstanceOf(PhpSerializeException.class);
    }

    @Test
    void invalidUtf8IsRejected() {
        fails("s:1:\"\u00ff\";").hasMessageContaining("not valid UTF-8").hasMessageContaining("at byte 5");
        // overlong NUL
        fails("s:2:\"\u00c0\u0080\";").hasMessageContaining("not valid UTF-8");
        // UTF-8 encoded lone surrogate U+D800
        fails("s:3:\"\u00ed\u00a0\u0080\";").hasMessageContaining("not valid UTF-8");
        // truncated multi-byte sequence, error reported where it starts
        fails("s:3:\"ab\u00e2\";").hasMessageContaining("at byte 7:");
        fails("a:1:{s:1:\"\u00ff\";i:1;}").hasMessageContaining("not valid UTF-8");
    }

    @Test
    void emptyArrayIsAnEmptyList() {
        assertThat(read("a:0:{}")).isInstanceOf(ArrayList.class).isEqualTo(List.of());
    }

    @Test
    void sequentialKeysGiveAList() {
        Object value = read("a:3:{i:0;s:1:\"a\";i:1;N;i:2;a:1:{i:0;b:1;}}");
        assertThat(value).isInstanceOf(ArrayList.class);
        List<Object> expected = new ArrayList<>();
        expected.add("a");
        expected.add(null);
        expected.add(List.of(true));
        assertThat(value).isEqualTo(expected);
    }

    @Test
    void keysNotStartingAtZeroGiveAMap() {
        Object value = read("a:2:{i:1;s:1:\"a\";i:2;s:1:\"b\";}");
        assertThat(value).isInstanceOf(Map.class).isEqualTo(mapOf(1L, "a", 2L, "b"));
    }

    @Test
    void mixedKeysGiveAMap() {
        Object value = read("a:2:{i:0;i:10;s:1:\"a\";i:20;}");
        assertThat(value).isInstanceOf(Map.class).isEqualTo(mapOf(0L, 10L, "a", 20L));
    }

    @Test
    void outOfOrderKeysGiveAMapInInsertionOrder() {
        Object value = read("a:2:{i:1;s:3:\"one\";i:0;s:4:\"zero\";}");
        assertThat(value).isInstanceOf(Map.class);
        assertThat(asMap(value).keySet()).containsExactly(1L, 0L);
        assertThat(asMap(value).values()).containsExactly("one", "zero");
    }

    @Test
    void stringKeysStayStrings() {
        Object value = read("a:2:{s:1:\"0\";i:1;s:1:\"1\";i:2;}");
        assertThat(value).isEqualTo(mapOf("0", 1L, "1", 2L));
    }

    @Test
    void repeatedKeyOverwritesInPlace() {
        // PHP ends up with [0 => 3, 1 => 2], which is a list
        assertThat(read("a:3:{i:0;i:1;i:1;i:2;i:0;i:3;}")).isInstanceOf(ArrayList.class).isEqualTo(List.of(3L, 2L));
        assertThat(read("a:3:{i:1;i:1;i:0;i:2;i:1;i:3;}")).isInstanceOf(Map.class)
                .isEqualTo(mapOf(1L, 3L, 0L, 2L));
        assertThat(asMap(read("a:3:{s:1:\"b\";i:1;s:1:\"a\";i:2;s:1:\"b\";i:3;}")).keySet())
                .containsExactly("b", "a");
    }

    @Test
    void objectsBecomeMapsWithTheClassName() {
        Object value = read("O:8:\"stdClass\":2:{s:1:\"a\";i:1;s:1:\"b\";a:1:{i:0;d:0.5;}}");
        assertThat(value).isInstanceOf(Map.class);
        assertThat(value).isEqualTo(mapOf("__class", "stdClass", "a", 1L, "b", List.of(0.5)));
        assertThat(asMap(value).keySet()).containsExactly("__class", "a", "b");
        assertThat(read("O:3:\"Foo\":0:{}")).isEqualTo(mapOf("__class", "Foo"));
        assertThat(read("O:3:\"Foo\":2:{i:0;i:1;s:4:\"\0*\0p\";N;}"))
                .isEqualTo(mapOf("__class", "Foo", 0L, 1L, "\0*\0p", null));
    }

    @Test
    void objectPropertyNamedLikeTheClassMarkerIsRejected() {
        fails("O:3:\"Foo\":1:{s:7:\"__class\";i:1;}").hasMessageContaining("__class");
    }

    @Test
    void readsBetweenPositionAndLimitWithoutMovingThePosition() {
        byte[] bytes = "xxi:12;yy".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        buffer.position(2).limit(7);
        assertThat(PhpUnserializer.read(buffer)).isEqualTo(12L);
        assertThat(buffer.position()).isEqualTo(2);
        assertThat(buffer.limit()).isEqualTo(7);

        ByteBuffer direct = ByteBuffer.allocateDirect(32);
        direct.put("__s:2:\"\u00c3\u00a9\";".getBytes(StandardCharsets.ISO_8859_1)).flip().position(2);
        assertThat(PhpUnserializer.read(direct)).isEqualTo("é");
        assertThat(direct.position()).isEqualTo(2);
    }

    @Test
    void errorOffsetsAreRelativeToThePosition() {
        ByteBuffer buffer = ByteBuffer.wrap("....i:1x".getBytes(StandardCharsets.US_ASCII)).position(4);
        assertThatThrownBy(() -> PhpUnserializer.read(buffer))
                .isInstanceOf(PhpSerializeException.class)
                .hasMessage("PHP serialize data invalid at byte 3: expected ';' after the integer, found 'x'")
                .satisfies(e -> assertThat(((PhpSerializeException) e).offset()).isEqualTo(3));
    }

    @Test
    void hugeArrayCountFailsFastWithDefaultLimits() {
        fails("a:2147483647:{").hasMessageContaining("too many elements");
    }

    @Test
    void hugeArrayCountFailsFastAsTruncatedWithLooseLimits() {
        PhpUnserializer loose = new PhpUnserializer(64, Integer.MAX_VALUE);
        ByteBuffer data = ByteBuffer.wrap("a:2147483647:{i:0;N;".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> loose.decode(data))
                .isInstanceOf(PhpSerializeException.class)
                .hasMessageContaining("truncated")
                .hasMessageContaining("2147483647");
    }

    @Test
    void stringLengthBeyondTheDataFails() {
        fails("s:2000000000:\"").hasMessageContaining("exceeds the 0 bytes left");
        fails("s:99:\"hello\";")
                .hasMessage("PHP serialize data invalid at byte 6: string length 99 exceeds the 7 bytes left");
        fails("s:99999999999999999999999:\"").hasMessageContaining("too large");
        fails("O:2000000000:\"std").hasMessageContaining("exceeds");
    }

    @Test
    void stringLengthNotMatchingTheContentFails() {
        fails("s:4:\"hello\";").hasMessageContaining("expected '\"'");
        fails("s:5:\"hello\"").hasMessageContaining("truncated");
        fails("s:5:\"hello").hasMessageContaining("truncated");
    }

    private static String nested(int depth) {
        return "a:1:{i:0;".repeat(depth) + "N;" + "}".repeat(depth);
    }

    @Test
    void nestingIsLimited() {
        Object ok = read(nested(64));
        for (int i = 0; i < 63; i++) {
            ok = ((List<?>) ok).get(0);
        }
        assertThat(ok).isEqualTo(Collections.singletonList(null));
        fails(nested(65)).hasMessageContaining("nesting deeper than 64");
        fails("O:1:\"A\":1:{s:1:\"x\";".repeat(65)).hasMessageContaining("nesting deeper than 64");
        PhpUnserializer flat = new PhpUnserializer(0, 10);
        assertThat(flat.decode(ByteBuffer.wrap("i:1;".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(1L);
        assertThatThrownBy(() -> flat.decode(ByteBuffer.wrap("a:0:{}".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(PhpSerializeException.class)
                .hasMessageContaining("nesting deeper than 0");
    }

    @Test
    void veryDeepNestingNeverOverflowsTheStack() {
        PhpUnserializer unlimited = new PhpUnserializer(Integer.MAX_VALUE, Integer.MAX_VALUE);
        int depth = 200_000;
        byte[] data = nested(depth).getBytes(StandardCharsets.US_ASCII);
        Object value = unlimited.decode(ByteBuffer.wrap(data));
        int levels = 0;
        while (value instanceof List) {
            value = ((List<?>) value).get(0);
            levels++;
        }
        assertThat(levels).isEqualTo(depth);
        byte[] truncated = Arrays.copyOf(data, data.length - 1);
        assertThatThrownBy(() -> unlimited.decode(ByteBuffer.wrap(truncated)))
                .isInstanceOf(PhpSerializeException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void totalElementsAreLimited() {
        PhpUnserializer small = new PhpUnserializer(64, 5);
        String five = "a:2:{i:0;a:3:{i:0;N;i:1;N;i:2;N;}i:1;N;}";
        String six = "a:2:{i:0;a:3:{i:0;N;i:1;N;i:2;N;}i:1;a:1:{i:0;N;}}";
        assertThat(small.decode(ByteBuffer.wrap(five.getBytes(StandardCharsets.US_ASCII)))).isNotNull();
        assertThatThrownBy(() -> small.decode(ByteBuffer.wrap(six.getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(PhpSerializeException.class)
                .hasMessageContaining("too many elements");
        assertThatThrownBy(() -> new PhpUnserializer(-1, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unsupportedTypesAreRejected() {
        fails("a:2:{i:0;i:1;i:1;r:2;}").hasMessageContaining("references (r:)");
        fails("a:2:{i:0;i:1;i:1;R:2;}").hasMessageContaining("references (R:)");
        fails("C:3:\"Foo\":0:{}").hasMessageContaining("custom-serialized objects (C:)");
        fails("E:7:\"Foo:Bar\";").hasMessageContaining("enums (E:)");
        fails("S:1:\"\\61\";").hasMessageContaining("escaped strings (S:)");
        fails("x:1;").hasMessageContaining("unknown type tag 'x'");
        fails("\u0001").hasMessageContaining("unknown type tag byte 0x01");
    }

    @Test
    void arrayKeysMustBeIntegersOrStrings() {
        fails("a:1:{d:1;i:1;}").hasMessageContaining("array key must be i: or s:, found 'd'");
        fails("a:1:{N;i:1;}").hasMessageContaining("array key must be i: or s:");
        fails("a:1:{b:1;i:1;}").hasMessageContaining("array key must be i: or s:");
        fails("a:1:{a:0:{}i:1;}").hasMessageContaining("array key must be i: or s:");
        fails("O:3:\"Foo\":1:{N;i:1;}").hasMessageContaining("property name must be i: or s:");
    }

    @Test
    void malformedScalarsAreRejected() {
        fails("").hasMessageContaining("truncated");
        fails("N").hasMessageContaining("truncated");
        fails("b:2;").hasMessageContaining("boolean must be 0 or 1");
        fails("b:01;").hasMessageContaining("expected ';'");
        fails("i:;").hasMessageContaining("expected integer digits");
        fails("i:1.5;").hasMessageContaining("expected ';'");
        fails("i:9223372036854775808;").hasMessageContaining("out of range");
        fails("i:-9223372036854775809;").hasMessageContaining("out of range");
        fails("i:99999999999999999999999999;").hasMessageContaining("out of range");
        fails("d:inf;").hasMessageContaining("malformed float");
        fails("d:.;").hasMessageContaining("malformed float");
        fails("d:1e;").hasMessageContaining("malformed float exponent");
        fails("d:1e+;").hasMessageContaining("malformed float exponent");
        fails("d:0x10;").hasMessageContaining("expected ';'");
        fails("d:1.5").hasMessageContaining("truncated");
        fails("s:-1:\"\";").hasMessageContaining("expected string length digits");
        fails("O:0:\"\":0:{}").hasMessageContaining("empty class name");
    }

    @Test
    void containersMustBeClosedAndComplete() {
        fails("a:1:{}").hasMessageContaining("truncated: array declares 1 entries but only 1 bytes are left");
        fails("a:1:{}N;N;N;").hasMessageContaining("array key must be i: or s:, found '}'");
        fails("a:1:{i:0;N;").hasMessageContaining("truncated");
        fails("a:2:{i:0;N;}").hasMessageContaining("truncated");
        fails("a:1:{i:0;N;i:1;N;}").hasMessageContaining("expected '}' to close the array, found 'i'");
        fails("a:0:{").hasMessageContaining("truncated: expected '}'");
        fails("a:0:[]").hasMessageContaining("expected '{'");
        fails("O:3:\"Foo\":1:{s:1:\"a\";N;]").hasMessageContaining("to close the object");
    }

    @Test
    void trailingBytesAreRejected() {
        fails("N;N;").hasMessage("PHP serialize data invalid at byte 2: trailing data: 2 bytes after the end of the value");
        fails("a:0:{}}").hasMessageContaining("trailing data: 1 bytes");
        fails("i:1; ").hasMessageContaining("trailing data");
    }
}
