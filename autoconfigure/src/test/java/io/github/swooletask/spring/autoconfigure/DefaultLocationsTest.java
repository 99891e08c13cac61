package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** Default socket and dead-letter locations, named after the application. */
class DefaultLocationsTest {

    @Test
    void theApplicationNameNamesTheSocketAndUnsafeCharactersAreReplaced() {
        MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "shop/thumbs 2");
        String name = DefaultLocations.applicationName(environment);
        assertThat(name).isEqualTo("shop_thumbs_2");
        assertThat(DefaultLocations.socketPath(Path.of("/tmp"), name))
            .isEqualTo(Path.of("/tmp/swoole-task-shop_thumbs_2.sock"));
    }

    @Test
    void anUnnamedApplicationAndAHiddenNameGetSafeNames() {
        assertThat(DefaultLocations.applicationName(new MockEnvironment())).isEqualTo("application");
        assertThat(DefaultLocations.safeName("..")).isEqualTo("_.");
        assertThat(DefaultLocations.safeName("  ")).isEqualTo("application");
    }

    @Test
    void deadLettersGoToSystemdsStateDirectoryWhenThereIsOne() {
        assertThat(DefaultLocations.deadLetterDirectory("thumbs", Map.of("STATE_DIRECTORY", "/var/lib/thumbs:/x"),
                "/home/app"))
            .isEqualTo(Path.of("/var/lib/thumbs/dead-letters"));
    }

    @Test
    void deadLettersGoUnderTheUsersStateHomeOtherwise() {
        assertThat(DefaultLocations.deadLetterDirectory("thumbs", Map.of(), "/home/app"))
            .isEqualTo(Path.of("/home/app/.local/state/swoole-task/thumbs/dead-letters"));
    }

    @Test
    void theStateDirectoryIsSystemdsOrUnderTheUsersStateHome() {
        assertThat(DefaultLocations.stateDirectory("thumbs", Map.of("STATE_DIRECTORY", "/var/lib/thumbs:/x"),
                "/home/app"))
            .isEqualTo(Path.of("/var/lib/thumbs"));
        assertThat(DefaultLocations.stateDirectory("thumbs", Map.of(), "/home/app"))
            .isEqualTo(Path.of("/home/app/.local/state/swoole-task/thumbs"));
    }
}
