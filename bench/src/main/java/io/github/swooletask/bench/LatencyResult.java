package io.github.swooletask.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * One-at-a-time latencies of one run, in microseconds: nearest-rank percentiles of every timed task.
 *
 * @param name what ran (swoole-task, the C baseline)
 * @param mode the ipc-mode as shown in the table
 * @param tasks timed tasks
 * @param p50 median
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max the slowest task
 * @param note how it was timed
 */
public record LatencyResult(String name, String mode, long tasks, double p50, double p99, double p999, double max,
        String note) {

    static final String HEADER = String.format("%-26s %-5s %10s %10s %10s %10s %10s", "run", "mode", "tasks",
            "p50_us", "p99_us", "p999_us", "max_us");

    /** From latencies in nanoseconds (sorted in place). */
    static LatencyResult of(String name, String mode, long[] nanos, String note) {
        Arrays.sort(nanos);
        return new LatencyResult(name, mode, nanos.length, micros(percentile(nanos, 0.50)),
                micros(percentile(nanos, 0.99)), micros(percentile(nanos, 0.999)), micros(nanos[nanos.length - 1]),
                note);
    }

    /** Nearest rank: the smallest value with at least {@code p} of all values at or below it. */
    static long percentile(long[] sorted, double p) {
        long rank = (long) Math.ceil(p * sorted.length);
        return sorted[(int) Math.min(Math.max(rank, 1), sorted.length) - 1];
    }

    private static double micros(long nanos) {
        return Math.round(nanos / 100.0) / 10.0;
    }

    /** The table row. */
    public String row() {
        return String.format(Locale.ROOT, "%-26s %-5s %10d %10.1f %10.1f %10.1f %10.1f", this.name, this.mode,
                this.tasks, this.p50, this.p99, this.p999, this.max);
    }

    /** The contract's last line: {@code p50_us=<n> p99_us=<n> p999_us=<n> max_us=<n>}. */
    public String lastLine() {
        return String.format(Locale.ROOT, "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f", this.p50, this.p99,
                this.p999, this.max);
    }
}
