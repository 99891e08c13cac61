package io.github.swooletask.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.swooletask.sysv.MessageQueue;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * System V queues of one test, removed after it whatever its outcome. Register it with
 * {@link org.junit.jupiter.api.extension.RegisterExtension @RegisterExtension}:
 * <ul>
 * <li>{@link #privateQueue()}: a new private queue before each test, {@link #queue()};</li>
 * <li>{@link #keyedQueue(int, int)}: a new queue with a random key of the range that no queue uses now;</li>
 * <li>{@link #keysOnly(int, int)}: no queue, only {@link #freeKey()}s for queues the code under test creates.</li>
 * </ul>
 * Keys and queues registered with {@link #freeKey()}, {@link #createPrivate(int)}, {@link #createKeyed(int)} or
 * {@link #removeAfterwards(int)} are removed after the test too. On a static field, what is registered outside a
 * test (a key picked while a Spring context shared by the class is made) is removed once the whole class is done,
 * after every other extension's {@code afterAll}, so after the Spring test context closed; on an instance field,
 * what field initialisers register belongs to the test about to run. Where System V queues cannot be used
 * ({@link MessageQueue#isSupported()} is false) every test is skipped, not failed.
 */
public final class SysVQueueExtension implements ExecutionCondition, BeforeAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
        .create(SysVQueueExtension.class);

    private static final int PERMS = 0600;

    /** What is made before each test: nothing, a private queue, or a keyed one. */
    private enum Kind {

        NONE, PRIVATE, KEYED
    }

    private final Kind kind;

    private final int firstKey;

    private final int lastKey;

    private final List<Integer> testKeys = new ArrayList<>();

    private final List<MessageQueue> testQueues = new ArrayList<>();

    private final List<Integer> classKeys = new ArrayList<>();

    private final List<MessageQueue> classQueues = new ArrayList<>();

    private @Nullable MessageQueue queue;

    private boolean inTest;

    private boolean classLevel;

    private SysVQueueExtension(Kind kind, int firstKey, int lastKey) {
        if (kind != Kind.PRIVATE && (firstKey == 0 || lastKey < firstKey)) {
            throw new IllegalArgumentException(String.format("key range 0x%08x..0x%08x is empty or holds"
                    + " IPC_PRIVATE (0)", firstKey, lastKey));
        }
        this.kind = kind;
        this.firstKey = firstKey;
        this.lastKey = lastKey;
    }

    /** A new private queue (mode 0600) before each test. */
    public static SysVQueueExtension privateQueue() {
        return new SysVQueueExtension(Kind.PRIVATE, 0, -1);
    }

    /**
     * A new private queue (mode 0600) before each test, and {@link #freeKey()}s from {@code firstKey..lastKey}.
     */
    public static SysVQueueExtension privateQueue(int firstKey, int lastKey) {
        return new SysVQueueExtension(Kind.PRIVATE, firstKey, lastKey);
    }

    /** A new queue (mode 0600) before each test, with a key from {@code firstKey..lastKey} that was free. */
    public static SysVQueueExtension keyedQueue(int firstKey, int lastKey) {
        return new SysVQueueExtension(Kind.KEYED, firstKey, lastKey);
    }

    /** No queue before the tests, only {@link #freeKey()}s from {@code firstKey..lastKey}, removed afterwards. */
    public static SysVQueueExtension keysOnly(int firstKey, int lastKey) {
        return new SysVQueueExtension(Kind.NONE, firstKey, lastKey);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return MessageQueue.isSupported() ? ConditionEvaluationResult.enabled("System V message queues work here")
                : ConditionEvaluationResult.disabled("System V message queues cannot be used on this platform");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // only an extension on a static field gets here: what it registers outside a test lives as long as the class
        this.classLevel = true;
        context.getStore(NAMESPACE).put("class-queues", (AutoCloseable) this::removeClassQueues);
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        assumeTrue(MessageQueue.isSupported(), "System V message queues cannot be used on this platform");
        if (!this.classLevel) {
            // an instance field: everything registered before the test (field initialisers) belongs to it
            this.testKeys.addAll(this.classKeys);
            this.testQueues.addAll(this.classQueues);
            this.classKeys.clear();
            this.classQueues.clear();
        }
        this.inTest = true;
        if (this.kind == Kind.PRIVATE) {
            this.queue = createPrivate(PERMS);
        }
        else if (this.kind == Kind.KEYED) {
            this.queue = createKeyed(PERMS);
        }
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        this.inTest = false;
        this.queue = null;
        try {
            remove(this.testKeys, this.testQueues);
        }
        finally {
            this.testKeys.clear();
            this.testQueues.clear();
        }
    }

    /** The queue made for the running test. */
    public synchronized MessageQueue queue() {
        MessageQueue made = this.queue;
        if (made == null) {
            throw new IllegalStateException((this.kind == Kind.NONE) ? "this extension makes no queue (keysOnly)"
                    : "no test is running");
        }
        return made;
    }

    /** The key of the queue made for the running test. */
    public int key() {
        return queue().key();
    }

    /**
     * A random key of the range that no queue uses now, removed (if a queue has it by then) after the test, or
     * after the class when picked outside a test by an extension on a static field.
     */
    public synchronized int freeKey() {
        if (this.firstKey == 0) {
            throw new IllegalStateException("no key range: use privateQueue(firstKey, lastKey) to pick keys");
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int key = (int) random.nextLong(Integer.toUnsignedLong(this.firstKey),
                    Integer.toUnsignedLong(this.lastKey) + 1);
            if (key != 0 && !MessageQueue.exists(key) && !this.testKeys.contains(key)
                    && !this.classKeys.contains(key)) {
                removeAfterwards(key);
                return key;
            }
        }
        throw new IllegalStateException(String.format("no free key in 0x%08x..0x%08x", this.firstKey, this.lastKey));
    }

    /** A new private queue with these permission bits, removed afterwards. */
    public synchronized MessageQueue createPrivate(int perms) {
        MessageQueue created = MessageQueue.createPrivate(perms);
        (this.inTest ? this.testQueues : this.classQueues).add(created);
        return created;
    }

    /** A new queue with a {@link #freeKey()} and these permission bits, removed afterwards. */
    public synchronized MessageQueue createKeyed(int perms) {
        return MessageQueue.open(freeKey(), perms);
    }

    /** Removes the queue with this key, if there is one then, after the test (or the class, see the class doc). */
    public synchronized void removeAfterwards(int key) {
        (this.inTest ? this.testKeys : this.classKeys).add(key);
    }

    private synchronized void removeClassQueues() {
        try {
            remove(this.classKeys, this.classQueues);
        }
        finally {
            this.classKeys.clear();
            this.classQueues.clear();
        }
    }

    /** Removes every queue, by key (whatever id the key has now) and by handle; then reports the first failure. */
    private static void remove(List<Integer> keys, List<MessageQueue> queues) {
        RuntimeException failure = null;
        for (int key : keys) {
            failure = attempt(() -> {
                if (MessageQueue.exists(key)) {
                    MessageQueue.openExisting(key).remove();
                }
            }, failure);
        }
        for (MessageQueue queue : queues) {
            failure = attempt(queue::remove, failure);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static @Nullable RuntimeException attempt(Runnable removal, @Nullable RuntimeException earlier) {
        try {
            removal.run();
            return earlier;
        }
        catch (RuntimeException ex) {
            if (earlier == null) {
                return ex;
            }
            earlier.addSuppressed(ex);
            return earlier;
        }
    }

    @Override
    public String toString() {
        return "SysVQueueExtension[" + this.kind + ((this.queue != null) ? ", " + this.queue : "") + "]";
    }
}
