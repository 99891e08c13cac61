package io.github.swooletask.php;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Mutates valid encodings at random (fixed seed) and checks that decoding either succeeds or fails
 * with a {@link PhpSerializeException}, never with anything else; and that hostile arrays (keys
 * made to share a hash code, a million entries) cost work in proportion to their size or are
 * refused at their header.
 */
class PhpMutationFuzzTest {

    private static final long SEED = 0x5eed_cafeL;
    private static final int MUTATIONS = 50_000;
    private static final byte[] INTERESTING =
            "0123456789:;{}\"-+.eEaisdbNOrRCIN\0".getBytes(StandardCharsets.ISO_8859_1);

    private static List<byte[]> corpus() {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("name", "héllo €");
        map.put(7L, List.of(1.5, -0.0, Double.NaN, Long.MIN_VALUE));
        map.put("nested", Map.of("k", List.of(List.of(), true)));
        List<byte[]> seeds = new ArrayList<>();
        for (Object value : new Object[] {
            null, true, 42L, -1e100, Double.POSITIVE_INFINITY, "", "plain", "\uD83D\uDE00 ü",
            List.of(), List.of(1L, 2L, 3L), map, List.of(map, map),
        }) {
            seeds.add(PhpSerializer.write(value));
        }
        for (String raw : new String[] {
            "O:8:\"stdClass\":2:{s:1:\"a\";i:1;s:1:\"b\";a:1:{i:0;d:0.5;}}",
            "a:2:{i:1;s:1:\"a\";i:0;O:3:\"Foo\":1:{s:6:\"\0Foo\0x\";N;}}",
            "d:1.0E+25;",
            "a:1:{i:0;a:1:{i:0;a:1:{i:0;a:1:{i:0;s:3:\"abc\";}}}}",
        }) {
            seeds.add(raw.getBytes(StandardCharsets.ISO_8859_1));
        }
        // keys that share one Java hash code, Long and String mixed
        seeds.add(PhpCollisions.mixedCollisions(40));
        return seeds;
    }

    private static byte[] mutate(byte[] in, Random random) {
        byte[] data = in.clone();
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            int op = random.nextInt(6);
            int at = data.length == 0 ? 0 : random.nextInt(data.length);
            switch (op) {
                case 0: // flip a bit
                    if (data.length > 0) {
                        data[at] ^= (byte) (1 << random.nextInt(8));
                    }
                    break;
                case 1: // replace with an interesting byte
                    if (data.length > 0) {
                        data[at] = INTERESTING[random.nextInt(INTERESTING.length)];
                    }
                    break;
                case 2: // truncate
                    data = Arrays.copyOf(data, at);
                    break;
                case 3: { // insert one or more bytes
                    int n = 1 + random.nextInt(4);
                    byte[] grown = new byte[data.length + n];
                    System.arraycopy(data, 0, grown, 0, at);
                    for (int i = 0; i < n; i++) {
                        grown[at + i] = random.nextBoolean()
                                ? INTERESTING[random.nextInt(INTERESTING.length)] : (byte) random.nextInt();
                    }
                    System.arraycopy(data, at, grown, at + n, data.length - at);
                    data = grown;
                    break;
                }
                case 4: // delete a byte
                    if (data.length > 0) {
                        byte[] shrunk = new byte[data.length - 1];
                        System.arraycopy(data, 0, shrunk, 0, at);
                        System.arraycopy(data, at + 1, shrunk, at, data.length - at - 1);
                        data = shrunk;
                    }
                    break;
                default: { // put a huge number somewhere
                    byte[] big = String.valueOf(random.nextBoolean() ? Integer.MAX_VALUE : Long.MAX_VALUE)
                            .getBytes(StandardCharsets.US_ASCII);
                    byte[] grown = new byte[data.length + big.length];
                    System.arraycopy(data, 0, grown, 0, at);
                    System.arraycopy(big, 0, grown, at, big.length);
                    System.arraycopy(data, at, grown, at + big.length, data.length - at);
                    data = grown;
                    break;
                }
            }
        }
        return data;
    }

    @Test
    void mutatedInputsOnlyEverFailWithPhpSerializeException() {
        List<byte[]> seeds = corpus();
        for (byte[] seed : seeds) {
            assertThatCode(() -> PhpUnserializer.read(seed))
                    .as("seed %s must decode", new String(seed, StandardCharsets.ISO_8859_1))
                    .doesNotThrowAnyException();
        }
        PhpUnserializer tight = new PhpUnserializer(3, 20);
        Random random = new Random(SEED);
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] data = mutate(seeds.get(random.nextInt(seeds.size())), random);
            for (PhpUnserializer decoder : new PhpUnserializer[] {new PhpUnserializer(), tight}) {
                try {
                    Object value = decoder.decode(ByteBuffer.wrap(data));
                    decoded++;
                    // anything that decodes must survive a re-encode/decode cycle unchanged
                    assertThat(PhpUnserializer.read(PhpSerializer.write(value)))
                            .as("re-decoding %s", HexFormat.of().formatHex(data))
                            .isEqualTo(value);
                } catch (PhpSerializeException expected) {
                    assertThat(expected.getMessage()).startsWith("PHP serialize data invalid at byte ");
                    assertThat(expected.offset()).isBetween(0, data.length);
                    rejected++;
                } catch (Throwable t) {
                    fail("input " + HexFormat.of().formatHex(data) + " threw " + t, t);
                }
            }
        }
        assertThat(decoded + rejected).isEqualTo(2 * MUTATIONS);
        // make sure the mutations exercise both outcomes
        assertThat(decoded).isGreaterThan(1_000);
        assertThat(rejected).isGreaterThan(10_000);
    }

    @Test
    void keysMadeToShareOneHashCodeCostAFewProbesEach() {
        int n = 200_000;
        byte[] data = PhpCollisions.mixedCollisions(n);
        int hash = PhpCollisions.mixedCollisionKey(0, n).hashCode();
        for (int i : new int[] {1, 2, 3, n / 2, n - 2, n - 1}) {
            assertThat(PhpCollisions.mixedCollisionKey(i, n).hashCode()).as("the input is hostile").isEqualTo(hash);
        }
        Object value = PhpUnserializer.read(data);
        // a HashMap (LinkedHashMap included) scans a whole bin on each insert of these keys: quadratic
        assertThat(value).isInstanceOf(Map.class).isNotInstanceOf(HashMap.class);
        Map<?, ?> map = (Map<?, ?>) value;
        assertThat(map).hasSize(n);
        // the probe count of building the map, before any lookup of this test adds to it
        long probes = ((PhpArrayMap) map).probes();
        assertThat(probes).as("table slots looked at while decoding %d keys", n).isLessThan(3L * n);
        int index = 0;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            assertThat(entry.getKey()).isEqualTo(PhpCollisions.mixedCollisionKey(index, n));
            assertThat(entry.getValue()).isEqualTo((long) index);
            index++;
        }
        assertThat(map.get(PhpCollisions.mixedCollisionKey(12_345, n))).isEqualTo(12_345L);
        assertThat(map.get(PhpCollisions.mixedCollisionKey(12_346, n))).isEqualTo(12_346L);
    }

    @Test
    void stringKeysMadeToShareOneHashCodeDecodeToo() {
        int n = 1 << 16;
        StringBuilder text = new StringBuilder("a:" + n + ":{");
        for (int i = 0; i < n; i++) {
            text.append("s:32:\"").append(PhpCollisions.collidingString(i, 16)).append("\";b:1;");
        }
        Map<?, ?> map = (Map<?, ?>) PhpUnserializer.read(text.append('}').toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(map).hasSize(n);
        assertThat(((PhpArrayMap) map).probes()).isLessThan(3L * n);
        assertThat(map.keySet().iterator().next()).isEqualTo(PhpCollisions.collidingString(0, 16));
    }

    @Test
    void aMillionEntryArrayIsRefusedAtItsHeader() {
        byte[] data = PhpCollisions.largeMap(1_000_000);
        assertThat(data.length).isGreaterThan(10_000_000);
        assertThatThrownBy(() -> PhpUnserializer.read(data)).isInstanceOf(PhpSerializeException.class)
                .hasMessageContaining("too many elements: array declares 1000000 entries, limit is 250000")
                .satisfies((ex) -> assertThat(((PhpSerializeException) ex).offset()).isZero());
        // the largest array the default limit takes decodes
        assertThat((Map<?, ?>) PhpUnserializer.read(PhpCollisions.largeMap(PhpUnserializer.DEFAULT_MAX_ELEMENTS)))
                .hasSize(PhpUnserializer.DEFAULT_MAX_ELEMENTS);
    }

    @Test
    void elementsOfNestedArraysCountTowardsOneLimit() {
        // 3 arrays of 100,000 entries each: each fits, together they are over 250,000
        StringBuilder text = new StringBuilder("a:3:{");
        for (int a = 0; a < 3; a++) {
            text.append("i:").append(a).append(";a:100000:{");
            for (int i = 0; i < 100_000; i++) {
                text.append("i:").append(i).append(";N;");
            }
            text.append('}');
        }
        byte[] data = text.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PhpUnserializer.read(data)).isInstanceOf(PhpSerializeException.class)
                .hasMessageContaining("too many elements");
    }
}
