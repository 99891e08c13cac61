package io.github.swooletask.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import io.github.swooletask.sysv.MessageQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * {@link SysVQueueExtension} removes what a test made even when the test fails: fixture classes that fail on purpose
 * run in a launcher of their own, and afterwards the kernel has none of their queues.
 */
class SysVQueueExtensionIntegrationTests {

    /** Set while this class launches a fixture; a fixture run any other way skips itself. */
    static volatile boolean launching;

    /** What the fixtures saw: queue ids and keys. */
    static final List<Integer> seen = new ArrayList<>();

    private static TestExecutionSummary launch(Class<?> fixture) {
        seen.clear();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture))
            .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launching = true;
        try {
            launcher.execute(request, summary);
        }
        finally {
            launching = false;
        }
        return summary.getSummary();
    }

    /** Ids of every System V message queue on the host. */
    private static List<Integer> queueIds() throws IOException {
        return Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream().skip(1).map(String::trim)
            .filter((line) -> !line.isEmpty()).map((line) -> Integer.parseInt(line.split("\\s+")[1])).toList();
    }

    @Test
    void aPrivateQueueIsRemovedAfterAFailedTest() throws Exception {
        TestExecutionSummary summary = launch(FailingWithAPrivateQueue.class);
        assertThat(summary.getTestsFailedCount()).as("the fixture failed").isEqualTo(1);
        assertThat(seen).hasSize(2);
        assertThat(queueIds()).as("queues left").doesNotContainAnyElementsOf(seen);
    }

    @Test
    void keysRegisteredInATestAreRemovedAfterIt() throws Exception {
        TestExecutionSummary summary = launch(FailingWithAKeyedQueue.class);
        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        assertThat(seen).hasSize(2);
        assertThat(MessageQueue.exists(seen.get(0))).as("the keyed queue made by the extension").isFalse();
        assertThat(MessageQueue.exists(seen.get(1))).as("the queue the test made with a free key").isFalse();
    }

    @Test
    void aKeyPickedForTheWholeClassLivesUntilTheClassIsDone() throws Exception {
        TestExecutionSummary summary = launch(SharingAKeyAcrossTests.class);
        assertThat(summary.getTestsSucceededCount()).as("both tests saw the queue").isEqualTo(2);
        assertThat(seen).singleElement().satisfies((key) -> assertThat(MessageQueue.exists(key)).isFalse());
    }

    static class FailingWithAPrivateQueue {

        @RegisterExtension
        final SysVQueueExtension queues = SysVQueueExtension.privateQueue();

        @Test
        void fails() {
            assumeTrue(launching, "a fixture of SysVQueueExtensionIntegrationTests");
            seen.add(this.queues.queue().id());
            seen.add(this.queues.createPrivate(0600).id());
            fail("failing on purpose");
        }
    }

    static class FailingWithAKeyedQueue {

        @RegisterExtension
        final SysVQueueExtension queues = SysVQueueExtension.keyedQueue(0x51560001, 0x5156ffff);

        @Test
        void fails() {
            assumeTrue(launching, "a fixture of SysVQueueExtensionIntegrationTests");
            seen.add(this.queues.key());
            int key = this.queues.freeKey();
            MessageQueue.open(key, 0600);
            seen.add(key);
            throw new IllegalStateException("failing on purpose");
        }
    }

    static class SharingAKeyAcrossTests {

        @RegisterExtension
        static final SysVQueueExtension queues = SysVQueueExtension.keysOnly(0x51560001, 0x5156ffff);

        static int key;

        @BeforeAll
        static void pickTheClassKey() {
            assumeTrue(launching, "a fixture of SysVQueueExtensionIntegrationTests");
            key = queues.freeKey();
            MessageQueue.open(key, 0600);
            seen.add(key);
        }

        @Test
        void first() {
            assertThat(MessageQueue.exists(key)).isTrue();
        }

        @Test
        void second() {
            assertThat(MessageQueue.exists(key)).isTrue();
        }
    }
}
