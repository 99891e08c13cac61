package io.github.swooletask.php;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the codec against the real PHP CLI ({@code php} on the PATH, or {@code $PHP_BINARY}).
 * These tests fail, rather than skip, when PHP is missing: CI installs it.
 */
class PhpInteropIntegrationTests {

    private static final String PHP = System.getenv().getOrDefault("PHP_BINARY", "php");

    /** Output of one PHP run. */
    private record Run(byte[] stdout, String stderr) {
        String text() {
            return new String(this.stdout, StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code php -r code}, feeding {@code stdin}, and requires a clean exit. */
    private static Run php(String code, byte[] stdin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(PHP,
                "-d", "serialize_precision=-1",
                "-d", "error_reporting=-1",
                "-d", "display_errors=stderr",
                "-r", code);
        Process process = builder.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        CompletableFuture<Void> in = CompletableFuture.runAsync(() -> {
            try (OutputStream os = process.getOutputStream()) {
                os.write(stdin);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("php did not finish within 60s: " + code);
        }
        in.get(10, TimeUnit.SECONDS);
        Run run = new Run(out.get(10, TimeUnit.SECONDS),
                new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        assertThat(process.exitValue()).as("php exit code for %s, stderr: %s", code, run.stderr()).isZero();
        assertThat(run.stderr()).as("php stderr for %s", code).isEmpty();
        return run;
    }

    private static byte[] readAll(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<Object, Object> mapOf(Object... keysAndValues) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static List<Object> listOf(Object... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    static Stream<Arguments> phpValues() {
        return Stream.of(
                Arguments.of("null", null),
                Arguments.of("true", true),
                Arguments.of("false", false),
                Arguments.of("0", 0L),
                Arguments.of("PHP_INT_MAX", Long.MAX_VALUE),
                Arguments.of("PHP_INT_MIN", Long.MIN_VALUE),
                Arguments.of("0.1", 0.1),
                Arguments.of("1.0", 1.0),
                Arguments.of("-0.0", -0.0),
                Arguments.of("1e100", 1e100),
                Arguments.of("0.1 + 0.2", 0.30000000000000004),
                Arguments.of("2.5e-5", 2.5e-5),
                Arguments.of("5e-324", Double.MIN_VALUE),
                Arguments.of("INF", Double.POSITIVE_INFINITY),
                Arguments.of("-INF", Double.NEGATIVE_INFINITY),
                Arguments.of("NAN", Double.NaN),
                Arguments.of("\"h\\u{e9}llo \\u{20ac} \\\"q\\\" 'x' \\0 end\"", "héllo € \"q\" 'x' \0 end"),
                Arguments.of("\"\\u{1F600}\"", "\uD83D\uDE00"),
                Arguments.of("''", ""),
                Arguments.of("[]", List.of()),
                Arguments.of("[1, [2, [3, []]], 'k' => ['a' => null, 'b' => 1.5]]",
                        mapOf(0L, 1L, 1L, listOf(2L, listOf(3L, List.of())), "k", mapOf("a", null, "b", 1.5))),
                Arguments.of("['x', true, null]", listOf("x", true, null)),
                Arguments.of("[1 => 'a', 2 => 'b']", mapOf(1L, "a", 2L, "b")),
                Arguments.of("[1 => 'one', 0 => 'zero']", mapOf(1L, "one", 0L, "zero")),
                Arguments.of("[0 => 'a', 'a' => 'b']", mapOf(0L, "a", "a", "b")),
                // PHP itself turns numeric string keys into integers
                Arguments.of("['0' => 'a', '1' => 'b']", listOf("a", "b")),
                Arguments.of("[\"k\\\"ey\" => 'v;}', -5 => 'neg']", mapOf("k\"ey", "v;}", -5L, "neg")),
                Arguments.of("(object) ['a' => 1, 'b' => [true]]",
                        mapOf("__class", "stdClass", "a", 1L, "b", List.of(true))),
                Arguments.of("new stdClass", mapOf("__class", "stdClass")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("phpValues")
    void decodesWhatPhpSerializes(String phpExpression, Object expected) throws Exception {
        Run run = php("echo serialize(" + phpExpression + ");", new byte[0]);
        assertThat(PhpUnserializer.read(run.stdout())).as("decoding %s", run.text()).isEqualTo(expected);
        // and writing the Java value back gives PHP's exact bytes (objects excepted: they become arrays)
        if (!(expected instanceof Map && ((Map<?, ?>) expected).containsKey("__class"))) {
            assertThat(new String(PhpSerializer.write(expected), StandardCharsets.UTF_8)).isEqualTo(run.text());
        }
    }

    @Test
    void decodesObjectsWithMangledPropertyNames() throws Exception {
        Run run = php("class P { public $x = 1; protected $y = [2]; private $z = 'z'; }"
                + " echo serialize(new P);", new byte[0]);
        assertThat(PhpUnserializer.read(run.stdout()))
                .isEqualTo(mapOf("__class", "P", "x", 1L, "\0*\0y", List.of(2L), "\0P\0z", "z"));
    }

    private static final String VAR_EXPORT = "var_export(unserialize(stream_get_contents(STDIN)));";

    private static String varExport(Object value) throws Exception {
        return php(VAR_EXPORT, PhpSerializer.write(value)).text();
    }

    @Test
    void phpReadsJavaScalars() throws Exception {
        assertThat(varExport(null)).isEqualTo("NULL");
        assertThat(varExport(true)).isEqualTo("true");
        assertThat(varExport(false)).isEqualTo("false");
        assertThat(varExport(Long.MAX_VALUE)).isEqualTo("9223372036854775807");
        assertThat(varExport(Long.MIN_VALUE)).isEqualTo("-9223372036854775807-1");
        assertThat(varExport((short) -3)).isEqualTo("-3");
        assertThat(varExport(1.0)).isEqualTo("1.0");
        assertThat(varExport(0.1)).isEqualTo("0.1");
        assertThat(varExport(-0.0)).isEqualTo("-0.0");
        assertThat(varExport(1e100)).isEqualTo("1.0E+100");
        assertThat(varExport(0.1f)).isEqualTo("0.1");
        assertThat(varExport(Double.NaN)).isEqualTo("NAN");
        assertThat(varExport(Double.NEGATIVE_INFINITY)).isEqualTo("-INF");
        assertThat(varExport("héllo € \0 'q'")).isEqualTo("'héllo € ' . \"\\0\" . ' \\'q\\''");
        assertThat(varExport(new byte[] {'a', 'b'})).isEqualTo("'ab'");
    }

    @Test
    void phpReadsJavaArrays() throws Exception {
        Map<Object, Object> map = mapOf(5, 0.1, "x", 1.0, 7L, List.of());
        assertThat(varExport(List.of(1, "a", map))).isEqualTo(String.join("\n",
                "array (",
                "  0 => 1,",
                "  1 => 'a',",
                "  2 => ",
                "  array (",
                "    5 => 0.1,",
                "    'x' => 1.0,",
                "    7 => ",
                "    array (",
                "    ),",
                "  ),",
                ")"));
        assertThat(varExport(new Object[] {null, true})).isEqualTo("array (\n  0 => NULL,\n  1 => true,\n)");
    }

    /** PHP compares with === (types, keys and order) against a PHP literal. */
    @Test
    void phpSeesIdenticalValues() throws Exception {
        Map<Object, Object> map = mapOf("name", "Zoë \"quoted\" ;}", 3, List.of(1.5, -2), "k", mapOf(1L, "b", 0L, "a"));
        String literal = "['name' => \"Zo\\u{eb} \\\"quoted\\\" ;}\", 3 => [1.5, -2], 'k' => [1 => 'b', 0 => 'a']]";
        Run run = php("var_export(unserialize(stream_get_contents(STDIN)) === " + literal + ");",
                PhpSerializer.write(map));
        assertThat(run.text()).isEqualTo("true");
    }

    @Test
    void phpReserializesJavaBytesIdentically() throws Exception {
        Map<Object, Object> map = mapOf("a", List.of(1L, 2.5, "x\0y", Map.of()), 9L, mapOf("é", null, "€", false),
                "floats", List.of(1e21, 1e-7, 123.456, -0.0, Double.MAX_VALUE, Double.MIN_VALUE));
        byte[] javaBytes = PhpSerializer.write(map);
        Run run = php("echo serialize(unserialize(stream_get_contents(STDIN)));", javaBytes);
        assertThat(run.stdout()).isEqualTo(javaBytes);
    }

    /** Random doubles: Java's formatting must match PHP's byte for byte. */
    @Test
    void doubleFormattingMatchesPhp() throws Exception {
        Random random = new Random(42);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            values.add(Double.longBitsToDouble(random.nextLong()));
        }
        for (int i = 0; i < 1000; i++) {
            values.add(random.nextInt(1_000_000) / Math.pow(10, random.nextInt(12)));
            values.add((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(60) - 30));
        }
        for (int e = -30; e <= 30; e++) {
            values.add(Math.pow(10, e));
            values.add(1.5 * Math.pow(10, e));
        }
        for (long n = (1L << 53) - 5; n <= (1L << 53) + 5; n++) {
            values.add((double) n);
        }
        values.addAll(List.of(Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, 2e-323, 1e23, 9e15));
        StringBuilder hex = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (double d : values) {
            hex.append(String.format("%016x%n", Double.doubleToRawLongBits(d)));
            expected.append(new String(PhpSerializer.write(d), StandardCharsets.US_ASCII)).append('\n');
        }
        Run run = php("while (($l = fgets(STDIN)) !== false) {"
                + " echo serialize(unpack('E', hex2bin(trim($l)))[1]), \"\\n\"; }",
                hex.toString().getBytes(StandardCharsets.US_ASCII));
        String[] phpLines = run.text().split("\n");
        String[] javaLines = expected.toString().split("\n");
        assertThat(phpLines).hasSize(values.size());
        for (int i = 0; i < javaLines.length; i++) {
            assertThat(javaLines[i]).as("bits %016x", Double.doubleToRawLongBits(values.get(i)))
                    .isEqualTo(phpLines[i]);
            assertThat(PhpUnserializer.read(phpLines[i].getBytes(StandardCharsets.US_ASCII)))
                    .isEqualTo(values.get(i));
        }
    }
}
