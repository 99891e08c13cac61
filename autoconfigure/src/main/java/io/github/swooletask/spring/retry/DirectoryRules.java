package io.github.swooletask.spring.retry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Whether a directory is safe to keep files in on a shared host, by the rule OpenSSH applies to its key files: it is
 * a real directory (not a symbolic link) of this process's user that nobody else can write to, and every directory
 * above it belongs to this user or root and, when others can write to it, is sticky (as {@code /tmp} is), so that
 * nobody else can move it away and put something in its place.
 */
final class DirectoryRules {

    private static final int GROUP_OR_OTHER_WRITE = 0022;

    private static final int STICKY = 01000;

    private DirectoryRules() {
    }

    /** @throws IllegalStateException naming the directory, what is wrong with it and what to do */
    static void checkOwnDirectory(Path directory) throws IOException {
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (Files.isSymbolicLink(directory)) {
            throw unsafe(directory, "is a symbolic link");
        }
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw unsafe(directory, "is not a directory");
        }
        int owner = (Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != self) {
            throw unsafe(directory, "belongs to uid " + owner + ", not to this application's user (uid " + self + ")");
        }
        int mode = (Integer) Files.getAttribute(directory, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & GROUP_OR_OTHER_WRITE) != 0) {
            throw unsafe(directory, String.format("can be written by others (mode %04o)", mode & 07777));
        }
        for (Path above = directory.toRealPath().getParent(); above != null; above = above.getParent()) {
            int aboveOwner = (Integer) Files.getAttribute(above, "unix:uid");
            int aboveMode = (Integer) Files.getAttribute(above, "unix:mode");
            if (aboveOwner != self && aboveOwner != 0) {
                throw unsafe(directory, "lies in " + above + ", which belongs to uid " + aboveOwner
                        + " (who could move it away)");
            }
            if ((aboveMode & GROUP_OR_OTHER_WRITE) != 0 && (aboveMode & STICKY) == 0) {
                throw unsafe(directory, String.format("lies in %s, which others can write to and which is not sticky"
                        + " (mode %04o): they could move it away", above, aboveMode & 07777));
            }
        }
    }

    private static IllegalStateException unsafe(Path directory, String why) {
        return new IllegalStateException("The dead-letter directory " + directory + " " + why + ": dead letters would"
                + " not be safe there. Set swoole.task.dead-letter.directory to a directory of this user's own that"
                + " only this user can write to (the default, under ~/.local/state/swoole-task, is), or leave it"
                + " unset for the default");
    }
}
