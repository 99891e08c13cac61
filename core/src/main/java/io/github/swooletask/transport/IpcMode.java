package io.github.swooletask.transport;

import java.util.Locale;

/** How tasks travel to the task workers: Swoole's {@code task_ipc_mode}. */
public enum IpcMode {

    /** 1: a Unix domain socket the application listens on; workers compete for tasks. */
    UNIX_SOCKET(1, "unix-socket"),

    /** 2: a System V message queue; each worker reads its own message type, so a task can be addressed to one. */
    MSGQUEUE(2, "msgqueue"),

    /** 3: a System V message queue; workers compete for every task, a target worker is ignored. */
    MSGQUEUE_PREEMPTIVE(3, "msgqueue-preemptive");

    private final int number;

    private final String label;

    IpcMode(int number, String label) {
        this.number = number;
        this.label = label;
    }

    /** Swoole's number for the mode. */
    public int number() {
        return this.number;
    }

    /** The name accepted in configuration, e.g. {@code msgqueue-preemptive}. */
    public String label() {
        return this.label;
    }

    public boolean usesMessageQueue() {
        return this != UNIX_SOCKET;
    }

    /** Parses {@code 1}, {@code 2}, {@code 3} or a name ({@code unix-socket}, {@code msgqueue}, {@code msgqueue-preemptive}). */
    public static IpcMode parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (IpcMode mode : values()) {
            if (value.equals(Integer.toString(mode.number)) || value.equals(mode.label)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("ipc-mode '" + text + "' is not one of 1 (unix-socket), 2 (msgqueue),"
                + " 3 (msgqueue-preemptive)");
    }
}
