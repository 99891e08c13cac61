package io.github.swooletask.php;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@link PhpArrayMap} behaves as a {@link LinkedHashMap} of {@code Long} and {@code String} keys would. */
class PhpArrayMapTest {

    @Test
    void randomOperationsGiveWhatALinkedHashMapGives() {
        Random random = new Random(0x5eed);
        for (int round = 0; round < 200; round++) {
            PhpArrayMap map = new PhpArrayMap(random.nextInt(20));
            Map<Object, Object> expected = new LinkedHashMap<>();
            int range = 1 + random.nextInt(300);
            for (int op = 0; op < 2_000; op++) {
                Object key = random.nextBoolean() ? (Object) (long) random.nextInt(range) : "k" + random.nextInt(range);
                switch (random.nextInt(10)) {
                    case 0, 1 -> assertThat(map.remove(key)).isEqualTo(expected.remove(key));
                    case 2 -> assertThat(map.get(key)).isEqualTo(expected.get(key));
                    case 3 -> assertThat(map.containsKey(key)).isEqualTo(expected.containsKey(key));
                    case 4 -> {
                        if (random.nextInt(50) == 0) {
                            map.clear();
                            expected.clear();
                        }
                    }
                    default -> {
                        Object value = random.nextBoolean() ? null : op;
                        assertThat(map.put(key, value)).isEqualTo(expected.put(key, value));
                    }
                }
                assertThat(map.size()).isEqualTo(expected.size());
            }
            assertThat(new ArrayList<>(map.entrySet())).isEqualTo(new ArrayList<>(expected.entrySet()));
            assertThat(map).isEqualTo(expected);
            assertThat(expected).isEqualTo(map);
            assertThat(map.hashCode()).isEqualTo(expected.hashCode());
            assertThat(map.toString()).isEqualTo(expected.toString());
        }
    }

    @Test
    void anOverwrittenKeyKeepsItsPlaceAndARemovedOneComesBackLast() {
        PhpArrayMap map = new PhpArrayMap();
        map.put("b", 1L);
        map.put(7L, 2L);
        map.put("a", 3L);
        map.put("b", 4L);
        assertThat(map.keySet()).containsExactly("b", 7L, "a");
        map.remove(7L);
        map.put(7L, 5L);
        assertThat(map.keySet()).containsExactly("b", "a", 7L);
        assertThat(map.values()).containsExactly(4L, 3L, 5L);
        // a Long and a String that print the same are two keys
        map.put("7", 6L);
        assertThat(map).hasSize(4).containsEntry(7L, 5L).containsEntry("7", 6L);
    }

    @Test
    void iteratorsRemoveAndEntriesWriteThrough() {
        PhpArrayMap map = new PhpArrayMap();
        for (long i = 0; i < 10; i++) {
            map.put(i, "v" + i);
        }
        Iterator<Map.Entry<Object, Object>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Object, Object> entry = it.next();
            if ((Long) entry.getKey() % 2 == 0) {
                it.remove();
            }
            else {
                entry.setValue("odd");
            }
        }
        assertThat(map.keySet()).containsExactly(1L, 3L, 5L, 7L, 9L);
        assertThat(map.values()).containsOnly("odd");
        map.values().removeIf("odd"::equals);
        assertThat(map).isEmpty();
        map.put("x", 1);
        Iterator<Object> keys = map.keySet().iterator();
        keys.next();
        map.put("y", 2);
        assertThatExceptionOfType(ConcurrentModificationException.class).isThrownBy(keys::next);
    }

    @Test
    void onlyLongAndStringKeysAreTaken() {
        PhpArrayMap map = new PhpArrayMap();
        assertThatIllegalArgumentException().isThrownBy(() -> map.put(1, "an Integer is not a PHP key"));
        assertThatIllegalArgumentException().isThrownBy(() -> map.put(null, "null"));
        assertThat(map.get(1)).isNull();
        assertThat(map.containsKey(null)).isFalse();
    }

    @Test
    void itIsSerializedAsALinkedHashMap() throws Exception {
        PhpArrayMap map = new PhpArrayMap();
        map.put("name", "x");
        map.put(3L, List.of(1L));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(map);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            Object read = in.readObject();
            assertThat(read).isInstanceOf(LinkedHashMap.class).isEqualTo(map);
            assertThat(new ArrayList<Object>(((Map<?, ?>) read).keySet())).containsExactly("name", 3L);
        }
    }

    @Test
    void aLargeMapStaysAtAFewProbesPerKey() {
        PhpArrayMap map = new PhpArrayMap();
        int n = 100_000;
        for (long i = 0; i < n; i++) {
            map.put(i * 4096, i);
        }
        assertThat(map.probes()).isLessThan(3L * n);
    }
}
