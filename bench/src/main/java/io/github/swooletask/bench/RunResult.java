package io.github.swooletask.bench;

/**
 * One measured run: a row of the result table.
 *
 * @param name what ran (swoole-task, the C baseline, the executor ...)
 * @param mode the ipc-mode as shown in the table ({@code 3}, {@code 1}, {@code -} ...)
 * @param payload payload bytes per task
 * @param workers worker threads or consumers
 * @param producers dispatching threads or processes
 * @param tasks timed tasks
 * @param seconds timed seconds
 * @param tasksPerSecond throughput
 * @param msgmnb {@code kernel.msgmnb} for a System V queue run, -1 otherwise
 * @param dispatched tasks put on the way in every phase, warm-up included (-1 when not known)
 * @param handled tasks handled in every phase, warm-up included (-1 when not known)
 * @param note how it was timed or what differs, may be empty
 */
public record RunResult(String name, String mode, int payload, int workers, String producers, long tasks,
        double seconds, double tasksPerSecond, long msgmnb, long dispatched, long handled, String note) {

    static final String HEADER = String.format("%-26s %-5s %8s %8s %10s %10s %9s %12s %9s", "run", "mode",
            "payload", "workers", "producers", "tasks", "seconds", "tasks/s", "msgmnb");

    /** The table row. */
    public String row() {
        return String.format("%-26s %-5s %8d %8d %10s %10d %9.3f %12d %9s", this.name, this.mode, this.payload,
                this.workers, this.producers, this.tasks, this.seconds, Math.round(this.tasksPerSecond),
                (this.msgmnb >= 0) ? Long.toString(this.msgmnb) : "-");
    }
}
