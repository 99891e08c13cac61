package io.github.swooletask.support;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Polling of every {@code await(...)} in the tests that have this class on their class path (registered in
 * {@code META-INF/services}): the condition is checked at once and then every 10 ms, not first after Awaitility's
 * default 100 ms, as the workers usually finish within a few milliseconds. Each wait keeps its own deadline
 * ({@code atMost}).
 */
public final class AwaitilityDefaults implements LauncherSessionListener {

    /** Between two checks of a condition. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(10);

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(POLL_INTERVAL);
    }
}
