package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.PrivateQueueRegistry;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.unix.UnixSocketTransport;

/**
 * Makes the {@link TaskTransport} that {@code swoole.task.*} describes: a Unix socket for ipc-mode 1, a System V
 * queue (private, or keyed and checked for its owner, permissions and capacity) for modes 2 and 3. The
 * auto-configuration uses it for its transport bean; an application that declares its own {@link TaskTransport}
 * bean, for example to wrap it, can call it too.
 */
public final class TaskTransportFactory {

    private static final Logger logger = LoggerFactory.getLogger(TaskTransportFactory.class);

    private final SwooleTaskProperties properties;

    private final String applicationName;

    /** A factory for an application without a name: see {@link DefaultLocations}. */
    public TaskTransportFactory(SwooleTaskProperties properties) {
        this(properties, DefaultLocations.UNNAMED);
    }

    /**
     * @param applicationName the name in the default socket path, see {@link DefaultLocations#applicationName}
     */
    public TaskTransportFactory(SwooleTaskProperties properties, String applicationName) {
        this.properties = properties;
        this.applicationName = applicationName;
    }

    /** The transport of the configured ipc-mode; the caller closes it. */
    public TaskTransport create() {
        if (this.properties.getTransport() == SwooleTaskProperties.Transport.REDIS_STREAMS) {
            throw new IllegalStateException("swoole.task.transport=redis-streams needs Redis on the class path: add"
                    + " spring-boot-starter-data-redis (Lettuce) to the application, and set spring.data.redis.*");
        }
        if (this.properties.getTransport() == SwooleTaskProperties.Transport.IN_MEMORY) {
            throw new IllegalStateException("swoole.task.transport=in-memory is for tests: add"
                    + " io.github.swooletask:swoole-task-spring-boot-starter-test to the test dependencies (it makes"
                    + " the in-memory transport), or annotate the test with @AutoConfigureSwooleTaskTest");
        }
        IpcMode mode = this.properties.getIpcMode();
        if (!this.properties.isAutoStartup() && (mode == IpcMode.UNIX_SOCKET || this.properties.resolvedKey() == null)) {
            logger.warn("swoole.task.auto-startup=false with {}: this application's own queue or socket has no other"
                    + " reader. A dispatch-only application needs ipc-mode 2 or 3 and the consumer's"
                    + " swoole.task.message-queue-key", (mode == IpcMode.UNIX_SOCKET) ? "ipc-mode 1" : "a private queue");
        }
        return (mode == IpcMode.UNIX_SOCKET) ? createUnixSocket() : createMessageQueue(mode);
    }

    /** Mode 1: listens on {@code socket-path} with {@code message-queue-perms}. */
    public UnixSocketTransport createUnixSocket() {
        return UnixSocketTransport.bindLater(this.properties.resolvedSocketPath(this.applicationName), this.properties.resolvedPerms(),
                this.properties.getSocketBufferSize().toBytes(), this.properties.getSocketMaxConnections());
    }

    /** Modes 2 and 3: the queue of {@code message-queue-key}, or a private one, with the startup checks. */
    public SysVTransport createMessageQueue(IpcMode mode) {
        MessageQueue queue = openQueue();
        try {
            if (this.properties.getMessageQueueCapacity() != null) {
                queue.setCapacity(this.properties.getMessageQueueCapacity().toBytes());
            }
            QueueDiagnostics.checkCapacity(queue, KernelLimits.read());
            return new SysVTransport(queue, mode, this.properties.getWorkerMtypeOffset());
        }
        catch (RuntimeException ex) {
            if (queue.isPrivate()) {
                queue.remove();
            }
            throw ex;
        }
    }

    /** {@code state-directory}, or the default of {@link DefaultLocations#stateDirectory}. */
    private Path stateDirectory() {
        Path configured = this.properties.getStateDirectory();
        return (configured != null) ? configured : DefaultLocations.stateDirectory(this.applicationName);
    }

    private MessageQueue openQueue() {
        int perms = this.properties.resolvedPerms();
        Integer key = this.properties.resolvedKey();
        if (key == null) {
            PrivateQueueRegistry registry = new PrivateQueueRegistry(stateDirectory());
            registry.removeLeftovers();
            return registry.createPrivate(perms);
        }
        boolean existed = MessageQueue.exists(key);
        MessageQueue queue = MessageQueue.open(key, perms);
        if (existed) {
            QueueDiagnostics.checkExisting(queue, perms, this.properties.isStrictQueueOwner());
        }
        return queue;
    }
}
