package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

/**
 * Where the socket of ipc-mode 1 and the dead-letter files go when not configured: places named after
 * {@code spring.application.name}, so that two applications on one host do not collide and a service's working
 * directory does not matter.
 * <ul>
 * <li>socket: {@code <tmpdir>/swoole-task-<name>.sock}</li>
 * <li>state: {@code $STATE_DIRECTORY} under systemd's {@code StateDirectory=}, else
 * {@code ~/.local/state/swoole-task/<name>}: the registry of private queues ({@code private-queues})</li>
 * <li>dead letters: {@code dead-letters} in the state directory</li>
 * </ul>
 * {@code <name>} is the application name with anything but letters, digits, {@code .}, {@code _} and {@code -}
 * replaced by {@code _}, or {@code application} when it is unset.
 */
public final class DefaultLocations {

    /** The name used when {@code spring.application.name} is unset. */
    public static final String UNNAMED = "application";

    private DefaultLocations() {
    }

    /** The application's name as used in default paths. */
    public static String applicationName(Environment environment) {
        return safeName(environment.getProperty("spring.application.name"));
    }

    static String safeName(@Nullable String name) {
        if (name == null || name.isBlank()) {
            return UNNAMED;
        }
        String safe = name.strip().replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.startsWith(".") ? "_" + safe.substring(1) : safe;
    }

    /** The default socket path of an application. */
    public static Path socketPath(Path tmpdir, String applicationName) {
        return tmpdir.resolve("swoole-task-" + applicationName + ".sock");
    }

    /** The default dead-letter directory of an application. */
    public static Path deadLetterDirectory(String applicationName) {
        return stateDirectory(applicationName).resolve("dead-letters");
    }

    static Path deadLetterDirectory(String applicationName, Map<String, String> environment, String userHome) {
        return stateDirectory(applicationName, environment, userHome).resolve("dead-letters");
    }

    /** The default directory of an application's state (the registry of its private queues, its dead letters). */
    public static Path stateDirectory(String applicationName) {
        return stateDirectory(applicationName, System.getenv(), System.getProperty("user.home"));
    }

    static Path stateDirectory(String applicationName, Map<String, String> environment, String userHome) {
        String stateDirectory = environment.get("STATE_DIRECTORY");
        if (stateDirectory != null && !stateDirectory.isBlank()) {
            // systemd may list several, separated by ':'; the first is the unit's own
            return Path.of(stateDirectory.split(":", 2)[0]);
        }
        return Path.of(userHome, ".local", "state", "swoole-task", applicationName);
    }
}
