package io.github.swooletask.php;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhpSerializerTest {

    private static String ser(Object value) {
        return new String(PhpSerializer.write(value), StandardCharsets.UTF_8);
    }

    @Test
    void nullAndBooleans() {
        assertThat(ser(null)).isEqualTo("N;");
        assertThat(ser(true)).isEqualTo("b:1;");
        assertThat(ser(false)).isEqualTo("b:0;");
    }

    @Test
    void integersOfEveryWidth() {
        assertThat(ser(42)).isEqualTo("i:42;");
        assertThat(ser(-42L)).isEqualTo("i:-42;");
        assertThat(ser((short) -7)).isEqualTo("i:-7;");
        assertThat(ser((byte) 127)).isEqualTo("i:127;");
        assertThat(ser(0)).isEqualTo("i:0;");
        assertThat(ser(Long.MAX_VALUE)).isEqualTo("i:9223372036854775807;");
        assertThat(ser(Long.MIN_VALUE)).isEqualTo("i:-9223372036854775808;");
    }

    /** Expected strings are what PHP 8.2 prints for {@code serialize($value)}. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.0                     | d:1;",
        "0.1                     | d:0.1;",
        "-0.0                    | d:-0;",
        "0.0                     | d:0;",
        "0.5                     | d:0.5;",
        "-1.5                    | d:-1.5;",
        "100.0                   | d:100;",
        "1e100                   | d:1.0E+100;",
        "1e15                    | d:1000000000000000;",
        "1e16                    | d:10000000000000000;",
        "1e17                    | d:1.0E+17;",
        "123456789012345678.0    | d:1.2345678901234568E+17;",
        "1e21                    | d:1.0E+21;",
        "3e20                    | d:3.0E+20;",
        "0.0001                  | d:0.0001;",
        "0.00012                 | d:0.00012;",
        "2.5e-5                  | d:2.5E-5;",
        "1.5e-7                  | d:1.5E-7;",
        "1e-10                   | d:1.0E-10;",
        "4.9e-324                | d:5.0E-324;",
        "1.7976931348623157e308  | d:1.7976931348623157E+308;",
        "0.30000000000000004     | d:0.30000000000000004;",
        "9007199254740993.0      | d:9007199254740992;",
        "12345.678               | d:12345.678;",
    })
    void doublesUsePhpFormatting(double value, String expected) {
        assertThat(ser(value)).isEqualTo(expected);
    }

    @Test
    void nonFiniteDoubles() {
        assertThat(ser(Double.POSITIVE_INFINITY)).isEqualTo("d:INF;");
        assertThat(ser(Double.NEGATIVE_INFINITY)).isEqualTo("d:-INF;");
        assertThat(ser(Double.NaN)).isEqualTo("d:NAN;");
        assertThat(ser(Float.NaN)).isEqualTo("d:NAN;");
        assertThat(ser(Float.NEGATIVE_INFINITY)).isEqualTo("d:-INF;");
    }

    @Test
    void floatsUseTheirOwnShortestDecimal() {
        assertThat(ser(0.1f)).isEqualTo("d:0.1;");
        assertThat(ser(1.5f)).isEqualTo("d:1.5;");
        assertThat(ser(-3.0f)).isEqualTo("d:-3;");
        assertThat(ser(-0.0f)).isEqualTo("d:-0;");
        assertThat(ser(1e20f)).isEqualTo("d:1.0E+20;");
    }

    @Test
    void everyFormattedDoubleReadsBackExactly() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(d)) {
                continue;
            }
            Object back = PhpUnserializer.read(PhpSerializer.write(d));
            assertThat(back).as("bits %016x", Double.doubleToRawLongBits(d)).isEqualTo(d);
        }
    }

    @Test
    void stringsCountUtf8Bytes() {
        assertThat(ser("hello")).isEqualTo("s:5:\"hello\";");
        assertThat(ser("")).isEqualTo("s:0:\"\";");
        assertThat(ser("héllo €")).isEqualTo("s:10:\"héllo €\";");
        assertThat(ser("\uD83D\uDE00")).isEqualTo("s:4:\"\uD83D\uDE00\";");
        assertThat(ser(new StringBuilder("a\"b"))).isEqualTo("s:3:\"a\"b\";");
    }

    @Test
    void byteArraysAreWrittenRaw() {
        byte[] out = PhpSerializer.write(new byte[] {0, (byte) 0xff, '"'});
        assertThat(out).containsExactly('s', ':', '3', ':', '"', 0, 0xff, '"', '"', ';');
    }

    @Test
    void listsAndArraysUseSequentialKeys() {
        assertThat(ser(List.of())).isEqualTo("a:0:{}");
        assertThat(ser(List.of(1, "a"))).isEqualTo("a:2:{i:0;i:1;i:1;s:1:\"a\";}");
        assertThat(ser(new Object[] {true, null})).isEqualTo("a:2:{i:0;b:1;i:1;N;}");
        assertThat(ser(Arrays.asList(1.0, List.of(List.of()))))
                .isEqualTo("a:2:{i:0;d:1;i:1;a:1:{i:0;a:0:{}}}");
    }

    @Test
    void mapKeysAreIntegersOrStrings() {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(5, "five");
        map.put("x", 1L);
        map.put(7L, List.of(2));
        map.put((short) 3, null);
        map.put('c', false);
        map.put(1.5, "d");
        assertThat(ser(map)).isEqualTo("a:6:{i:5;s:4:\"five\";s:1:\"x\";i:1;i:7;a:1:{i:0;i:2;}"
                + "i:3;N;s:1:\"c\";b:0;s:3:\"1.5\";s:1:\"d\";}");
    }

    @Test
    void nestedStructure() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("name", "é");
        inner.put("tags", List.of("a", "b"));
        Object value = List.of(inner, Map.of());
        assertThat(ser(value)).isEqualTo("a:2:{i:0;a:2:{s:4:\"name\";s:2:\"é\";s:4:\"tags\";"
                + "a:2:{i:0;s:1:\"a\";i:1;s:1:\"b\";}}i:1;a:0:{}}");
    }

    @Test
    void appendsToAStream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('>');
        PhpSerializer.write(List.of(1), out);
        PhpSerializer.write(null, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(">a:1:{i:0;i:1;}N;");
    }

    @Test
    void failedWriteAppendsNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> PhpSerializer.write(List.of(1, new Object()), out))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(out.size()).isZero();
    }

    @Test
    void unsupportedTypesAreNamed() {
        assertThatThrownBy(() -> PhpSerializer.write(new Date()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.Date");
        assertThatThrownBy(() -> PhpSerializer.write(List.of(new int[] {1})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[I");
        assertThatThrownBy(() -> PhpSerializer.write(BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.math.BigInteger");
    }

    @Test
    void rejectsUnpairedSurrogatesNullKeysAndCycles() {
        assertThatThrownBy(() -> PhpSerializer.write("ab\uD800"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("surrogate");
        Map<Object, Object> nullKey = new LinkedHashMap<>();
        nullKey.put(null, 1);
        assertThatThrownBy(() -> PhpSerializer.write(nullKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null map key");
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        assertThatThrownBy(() -> PhpSerializer.write(cyclic))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cyclic");
    }

    @Test
    void sharedButAcyclicContainersAreFine() {
        List<Object> shared = List.of(1);
        assertThat(ser(List.of(shared, shared))).isEqualTo("a:2:{i:0;a:1:{i:0;i:1;}i:1;a:1:{i:0;i:1;}}");
    }

    @Test
    void rejectsAbsurdNesting() {
        Object deep = "x";
        for (int i = 0; i < PhpSerializer.MAX_DEPTH + 1; i++) {
            deep = List.of(deep);
        }
        Object tooDeep = deep;
        assertThatThrownBy(() -> PhpSerializer.write(tooDeep))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nesting deeper than " + PhpSerializer.MAX_DEPTH);
    }

    @Test
    void roundTripsThroughTheUnserializer() {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(3L, "three");
        map.put("k", List.of(true, false, Double.NEGATIVE_INFINITY, -0.0));
        map.put("ünï", Map.of("x", Long.MIN_VALUE));
        List<Object> value = new ArrayList<>();
        value.add(map);
        value.add(null);
        value.add("héllo € \0 \"q\"");
        value.add(Double.NaN);
        value.add(List.of());
        assertThat(PhpUnserializer.read(PhpSerializer.write(value))).isEqualTo(value);
    }
}
