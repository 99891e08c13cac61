package io.github.swooletask.php;

import java.io.Serializable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A decoded PHP array or object: a mutable map in insertion order whose keys are {@link Long}s and
 * {@link String}s, as PHP's own arrays are. Built for hostile input: keys are found through an open-addressing
 * table indexed by a keyed hash ({@link KeyHash}), never by {@link Object#hashCode()}, so keys chosen to collide
 * there (which make a {@link java.util.HashMap} scan whole bins when {@code Long}s and {@code String}s share one)
 * cost nothing special; and it holds a key and a value in two arrays plus about two {@code int}s of table per entry,
 * a third of what a {@link LinkedHashMap} needs. Null values are allowed, null keys are not. Not thread-safe. It is
 * serialized as a {@link LinkedHashMap} with the same entries.
 */
final class PhpArrayMap extends AbstractMap<Object, @Nullable Object> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What a removed entry's key becomes; its slot in the table stays taken until the next rebuild. */
    private static final Object REMOVED = new Object();

    private static final int MIN_TABLE = 4;

    private Object[] keys;

    private @Nullable Object[] values;

    /** Entry index + 1 per slot, 0 for a free one; at most half of the slots are taken. */
    private int[] table;

    /** Entries used, removed ones included. */
    private int used;

    private int size;

    private int modCount;

    /** Table slots looked at so far, for tests of the bound. */
    private long probes;

    private transient @Nullable EntrySet entrySet;

    PhpArrayMap() {
        this(4);
    }

    /** @param expected entries expected (only a hint: the arrays grow as needed) */
    PhpArrayMap(int expected) {
        int capacity = Math.max(1, Math.min(expected, 1 << 16));
        this.keys = new Object[capacity];
        this.values = new Object[capacity];
        this.table = new int[tableSizeFor(capacity)];
    }

    private static int tableSizeFor(int entries) {
        int size = MIN_TABLE;
        while (size < entries * 2) {
            size <<= 1;
        }
        return size;
    }

    /** How many table slots lookups and inserts have looked at since this map was made. */
    long probes() {
        return this.probes;
    }

    @Override
    public int size() {
        return this.size;
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public @Nullable Object get(@Nullable Object key) {
        int index = indexOf(key);
        return (index >= 0) ? this.values[index] : null;
    }

    /**
     * Puts a value under a {@link Long} or {@link String} key; a key that is there already keeps its place.
     * @throws IllegalArgumentException for a key of any other type, as a PHP array cannot hold it
     */
    @Override
    public @Nullable Object put(Object key, @Nullable Object value) {
        checkKey(key);
        int slot = slotOf(key);
        int entry = this.table[slot];
        if (entry != 0) {
            Object old = this.values[entry - 1];
            this.values[entry - 1] = value;
            return old;
        }
        if (this.used == this.keys.length || (this.used + 1) * 2 > this.table.length) {
            grow();
            return put(key, value);
        }
        this.keys[this.used] = key;
        this.values[this.used] = value;
        this.used++;
        this.table[slot] = this.used;
        this.size++;
        this.modCount++;
        return null;
    }

    @Override
    public @Nullable Object remove(@Nullable Object key) {
        int index = indexOf(key);
        if (index < 0) {
            return null;
        }
        Object old = this.values[index];
        removeAt(index);
        return old;
    }

    @Override
    public void clear() {
        Arrays.fill(this.keys, 0, this.used, null);
        Arrays.fill(this.values, 0, this.used, null);
        Arrays.fill(this.table, 0);
        this.used = 0;
        this.size = 0;
        this.modCount++;
    }

    @Override
    public Set<Map.Entry<Object, @Nullable Object>> entrySet() {
        EntrySet entries = this.entrySet;
        if (entries == null) {
            entries = new EntrySet();
            this.entrySet = entries;
        }
        return entries;
    }

    private static void checkKey(@Nullable Object key) {
        if (!(key instanceof Long) && !(key instanceof String)) {
            throw new IllegalArgumentException("a PHP array key is a Long or a String, not "
                    + ((key == null) ? "null" : key.getClass().getName()));
        }
    }

    private int indexOf(@Nullable Object key) {
        if (!(key instanceof Long) && !(key instanceof String)) {
            return -1;
        }
        return this.table[slotOf(key)] - 1;
    }

    /** The table slot that holds {@code key}'s entry, or the empty slot where it would go. */
    private int slotOf(Object key) {
        int mask = this.table.length - 1;
        int slot = (int) KeyHash.of(key) & mask;
        while (true) {
            this.probes++;
            int entry = this.table[slot];
            if (entry == 0 || key.equals(this.keys[entry - 1])) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void removeAt(int index) {
        this.keys[index] = REMOVED;
        this.values[index] = null;
        this.size--;
        this.modCount++;
        if (this.size == 0) {
            clear();
        }
    }

    /** Makes room for one more entry: drops removed entries, and doubles the arrays when they are still full. */
    private void grow() {
        int live = this.size;
        int capacity = (live + 1 > this.keys.length / 2) ? this.keys.length * 2 : this.keys.length;
        if (capacity < 0 || capacity > Integer.MAX_VALUE / 4) {
            throw new IllegalStateException("a PHP array map cannot hold more than " + (Integer.MAX_VALUE / 4)
                    + " entries");
        }
        Object[] newKeys = new Object[capacity];
        @Nullable Object[] newValues = new Object[capacity];
        int n = 0;
        for (int i = 0; i < this.used; i++) {
            if (this.keys[i] != REMOVED) {
                newKeys[n] = this.keys[i];
                newValues[n] = this.values[i];
                n++;
            }
        }
        int[] newTable = new int[tableSizeFor(capacity)];
        int mask = newTable.length - 1;
        for (int i = 0; i < n; i++) {
            int slot = (int) KeyHash.of(newKeys[i]) & mask;
            while (newTable[slot] != 0) {
                this.probes++;
                slot = (slot + 1) & mask;
            }
            newTable[slot] = i + 1;
        }
        this.keys = newKeys;
        this.values = newValues;
        this.table = newTable;
        this.used = n;
        this.modCount++;
    }

    /** Serialized as a plain {@link LinkedHashMap}, so that readers need no class of this project. */
    private Object writeReplace() {
        return new LinkedHashMap<>(this);
    }

    private final class EntrySet extends AbstractSet<Map.Entry<Object, @Nullable Object>> {

        @Override
        public int size() {
            return PhpArrayMap.this.size;
        }

        @Override
        public void clear() {
            PhpArrayMap.this.clear();
        }

        @Override
        public Iterator<Map.Entry<Object, @Nullable Object>> iterator() {
            return new EntryIterator();
        }
    }

    private final class EntryIterator implements Iterator<Map.Entry<Object, @Nullable Object>> {

        private int next;

        private int last = -1;

        private int expectedModCount = PhpArrayMap.this.modCount;

        EntryIterator() {
            this.next = skipRemoved(0);
        }

        private int skipRemoved(int from) {
            int i = from;
            while (i < PhpArrayMap.this.used && PhpArrayMap.this.keys[i] == REMOVED) {
                i++;
            }
            return i;
        }

        @Override
        public boolean hasNext() {
            return this.next < PhpArrayMap.this.used;
        }

        @Override
        public Map.Entry<Object, @Nullable Object> next() {
            if (PhpArrayMap.this.modCount != this.expectedModCount) {
                throw new ConcurrentModificationException();
            }
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            this.last = this.next;
            this.next = skipRemoved(this.next + 1);
            return new Entry(this.last, PhpArrayMap.this.modCount);
        }

        @Override
        public void remove() {
            if (this.last < 0) {
                throw new IllegalStateException();
            }
            if (PhpArrayMap.this.modCount != this.expectedModCount) {
                throw new ConcurrentModificationException();
            }
            boolean emptied = PhpArrayMap.this.size == 1;
            removeAt(this.last);
            this.last = -1;
            this.expectedModCount = PhpArrayMap.this.modCount;
            if (emptied) {
                this.next = 0;
            }
        }
    }

    /** One entry, writing through to the map while the map keeps its layout. */
    private final class Entry implements Map.Entry<Object, @Nullable Object> {

        private final int index;

        private final Object key;

        private final int layout;

        Entry(int index, int layout) {
            this.index = index;
            this.key = PhpArrayMap.this.keys[index];
            this.layout = layout;
        }

        @Override
        public Object getKey() {
            return this.key;
        }

        @Override
        public @Nullable Object getValue() {
            return (PhpArrayMap.this.modCount == this.layout) ? PhpArrayMap.this.values[this.index]
                    : PhpArrayMap.this.get(this.key);
        }

        @Override
        public @Nullable Object setValue(@Nullable Object value) {
            if (PhpArrayMap.this.modCount == this.layout) {
                Object old = PhpArrayMap.this.values[this.index];
                PhpArrayMap.this.values[this.index] = value;
                return old;
            }
            if (!PhpArrayMap.this.containsKey(this.key)) {
                throw new IllegalStateException("the entry for " + this.key + " was removed");
            }
            return PhpArrayMap.this.put(this.key, value);
        }

        @Override
        public boolean equals(@Nullable Object other) {
            return other instanceof Map.Entry<?, ?> that && this.key.equals(that.getKey())
                    && Objects.equals(getValue(), that.getValue());
        }

        @Override
        public int hashCode() {
            return this.key.hashCode() ^ Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return this.key + "=" + getValue();
        }
    }
}
