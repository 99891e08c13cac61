package io.github.swooletask.sysv;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A process that starts as the application does with a private queue, for {@link PrivateQueueRegistryIntegrationTests}:
 * given {@code go} on stdin, it removes the leftovers of its registry (the argument), creates a private queue through
 * it, prints {@code created ID REMOVED} and waits until stdin ends or it is killed.
 */
public final class PrivateQueueOwner {

    private PrivateQueueOwner() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrivateQueueRegistry registry = new PrivateQueueRegistry(Path.of(args[0]));
        System.out.println("ready");
        System.out.flush();
        if (!"go".equals(in.readLine())) {
            return;
        }
        int removed = registry.removeLeftovers();
        MessageQueue queue = registry.createPrivate(0600);
        System.out.println("created " + queue.id() + " " + removed);
        System.out.flush();
        while (in.readLine() != null) {
            // waits to be killed
        }
        queue.remove();
    }
}
