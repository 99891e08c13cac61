package io.github.swooletask.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.swooletask.wire.SpillFiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the fuzzer aims spill paths at, made in a test's two temporary directories: canary files outside
 * {@code tmp}, and inside it symlinks and hard links to them, a link to the outside directory, a subdirectory and a
 * directory named like a spill file. Afterwards every one of them must be as it was.
 */
final class SpillTargets {

    static final byte[] CANARY = "canary: must never be read or deleted".getBytes(StandardCharsets.US_ASCII);

    private final Path other;

    private final List<Path> fixtures;

    private final MessageGenerator.Targets targets;

    private SpillTargets(Path other, List<Path> fixtures, MessageGenerator.Targets targets) {
        this.other = other;
        this.fixtures = fixtures;
        this.targets = targets;
    }

    /** Makes the files in {@code tmp} (the spill directory) and {@code other} (outside it). */
    static SpillTargets create(Path tmp, Path other) throws IOException {
        List<Path> fixtures = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String name = SpillFiles.PREFIX + "CANARY" + i;
            Files.write(other.resolve(name), CANARY);
            outside.add(name);
        }
        Files.write(other.resolve("plain.txt"), CANARY);
        outside.add("plain.txt");
        List<String> inside = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path link = Files.createSymbolicLink(tmp.resolve(SpillFiles.PREFIX + "LINK" + i),
                    other.resolve(outside.get(i)));
            fixtures.add(link);
            inside.add(link.getFileName().toString());
        }
        for (int i = 0; i < 2; i++) {
            Path target = Files.write(other.resolve("hard" + i), CANARY);
            outside.add(target.getFileName().toString());
            Path link = Files.createLink(tmp.resolve(SpillFiles.PREFIX + "HARD" + i), target);
            fixtures.add(link);
            inside.add(link.getFileName().toString());
        }
        Path dirLink = Files.createSymbolicLink(tmp.resolve(SpillFiles.PREFIX + "DIRLINK"), other);
        fixtures.add(dirLink);
        inside.add(dirLink.getFileName() + "/" + outside.get(0));
        Path sub = Files.createDirectory(tmp.resolve("sub"));
        fixtures.add(Files.write(sub.resolve(SpillFiles.PREFIX + "SUB"), CANARY));
        inside.add("sub/" + SpillFiles.PREFIX + "SUB");
        fixtures.add(Files.createDirectory(tmp.resolve(SpillFiles.PREFIX + "D")));
        inside.add(SpillFiles.PREFIX + "D");
        return new SpillTargets(other, fixtures, new MessageGenerator.Targets(tmp, other, inside, outside));
    }

    MessageGenerator.Targets targets() {
        return this.targets;
    }

    /** Every canary outside still holds its bytes, and every link and entry inside is still there. */
    void assertNothingOutsideWasTouched() throws IOException {
        try (var files = Files.list(this.other)) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(this.targets.outsideFiles().size());
            for (Path file : all) {
                assertThat(Files.readAllBytes(file)).as("contents of %s", file).containsExactly(CANARY);
            }
        }
        for (Path fixture : this.fixtures) {
            assertThat(Files.exists(fixture, LinkOption.NOFOLLOW_LINKS)).as("%s still there", fixture).isTrue();
        }
    }
}
