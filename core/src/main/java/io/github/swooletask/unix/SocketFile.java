package io.github.swooletask.unix;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file of mode 1: checks the path before binding (a stale socket nobody listens on is replaced; anything
 * else there is left alone and refused), binds and sets the permissions, and at close deletes the file only if it
 * is still the one this process made.
 */
final class SocketFile {

    private static final Logger logger = LoggerFactory.getLogger(SocketFile.class);

    private static final int BACKLOG = 128;

    private static final int S_IFMT = 0170000;

    private static final int S_IFSOCK = 0140000;

    private static final int S_IFIFO = 0010000;

    private static final int S_IFCHR = 0020000;

    private static final int S_IFBLK = 0060000;

    private final Path path;

    private final UnixDomainSocketAddress address;

    private final int perms;

    private final ServerSocketChannel server;

    private final @Nullable Object fileKey;

    private SocketFile(Path path, int perms, ServerSocketChannel server, @Nullable Object fileKey) {
        this.path = path;
        this.address = UnixDomainSocketAddress.of(path);
        this.perms = perms;
        this.server = server;
        this.fileKey = fileKey;
    }

    /**
     * Prepares the path, binds a listening socket on it and sets its permission bits.
     * @throws SocketPathException when the path is in use, is not a socket, or cannot be bound
     */
    static SocketFile bind(Path path, int perms) {
        prepare(path);
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        ServerSocketChannel server = listen(address, path);
        try {
            Files.setPosixFilePermissions(path, permissions(perms));
            Object fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
            return new SocketFile(path, perms, server, fileKey);
        }
        catch (IOException | UnsupportedOperationException ex) {
            closeQuietly(server);
            deleteQuietly(path);
            throw new SocketPathException(path, String.format("cannot set permissions 0%03o on socket %s: %s", perms,
                    path, ex.getMessage()), ex);
        }
    }

    Path path() {
        return this.path;
    }

    UnixDomainSocketAddress address() {
        return this.address;
    }

    ServerSocketChannel server() {
        return this.server;
    }

    /** The socket file's permission bits now (the configured ones if they cannot be read). */
    int currentPermissions() {
        try {
            int bits = 0;
            for (PosixFilePermission permission : Files.getPosixFilePermissions(this.path, LinkOption.NOFOLLOW_LINKS)) {
                bits |= 0400 >> permission.ordinal();
            }
            return bits;
        }
        catch (IOException | UnsupportedOperationException ex) {
            return this.perms;
        }
    }

    /** Stops listening and deletes the socket file, unless another file took its place meanwhile. */
    void close() {
        closeQuietly(this.server);
        try {
            BasicFileAttributes attributes = Files.readAttributes(this.path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (this.fileKey != null && !this.fileKey.equals(attributes.fileKey())) {
                logger.warn("Socket {} was replaced by another file; left it in place", this.path);
                return;
            }
            Files.deleteIfExists(this.path);
        }
        catch (IOException ex) {
            // already gone, or cannot be removed: nothing more to do
            logger.debug("Could not remove socket {}: {}", this.path, ex.toString());
        }
    }

    private static void prepare(Path path) {
        Path parent = path.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new SocketPathException(path, "the directory of the task socket " + path + " does not exist or is not a"
                    + " directory: create " + parent + " or choose another socket path");
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (IOException ex) {
            return; // nothing there
        }
        String kind = describe(path, attributes);
        if (kind != null) {
            throw new SocketPathException(path, path + " is " + kind + ", not a socket; it was left untouched. Remove it"
                    + " or choose another socket path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
        }
        catch (ConnectException ex) {
            try {
                Files.delete(path);
            }
            catch (IOException deleteFailure) {
                throw new SocketPathException(path, "cannot remove the stale socket " + path + ": " + deleteFailure,
                        deleteFailure);
            }
            logger.info("Removed stale socket {}: nobody listened on it", path);
            return;
        }
        catch (IOException ex) {
            throw new SocketPathException(path, "cannot tell whether the socket " + path + " is in use: " + ex
                    + ". Remove it or choose another socket path", ex);
        }
        throw new SocketPathException(path, "the socket " + path + " is in use: another process accepts connections on"
                + " it (another instance of the application?). Stop it or choose another socket path");
    }

    /** What is at the path when it is not a socket, or null for a socket. */
    private static @Nullable String describe(Path path, BasicFileAttributes attributes) {
        if (attributes.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (attributes.isDirectory()) {
            return "a directory";
        }
        if (attributes.isRegularFile()) {
            return "a regular file";
        }
        int type;
        try {
            type = ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & S_IFMT;
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            return null; // "other": take it for a socket and let the connect probe decide
        }
        return switch (type) {
            case S_IFSOCK -> null;
            case S_IFIFO -> "a named pipe";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            default -> "a special file";
        };
    }

    private static ServerSocketChannel listen(UnixDomainSocketAddress address, Path path) {
        ServerSocketChannel server = null;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(address, BACKLOG);
            return server;
        }
        catch (IOException | UnsupportedOperationException ex) {
            if (server != null) {
                closeQuietly(server);
            }
            throw new SocketPathException(path, "cannot listen on the task socket " + path + ": " + ex, ex);
        }
    }

    private static Set<PosixFilePermission> permissions(int bits) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            if ((bits & (0400 >> permission.ordinal())) != 0) {
                set.add(permission);
            }
        }
        return set;
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        }
        catch (IOException ex) {
            // best effort
        }
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        }
        catch (IOException ex) {
            // closing anyway
        }
    }
}
