package io.github.swooletask.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import io.github.swooletask.bench.BenchApplication.Report;

/**
 * {@code --repeat R}: the table that ends a repeated run. Each run (swoole-task and every baseline) shows the median
 * of its R repetitions and their min-max range; each ratio is the median of the R ratios measured within one
 * repetition, so machine noise that moves both sides of a repetition cancels out.
 */
final class RepeatSummary {

    private RepeatSummary() {
    }

    static Report print(List<Report> reports, PrintStream out) {
        return reports.get(0).latencies().isEmpty() ? printRates(reports, out) : printLatencies(reports, out);
    }

    private static Report printRates(List<Report> reports, PrintStream out) {
        int n = reports.size();
        out.printf("# medians of %d alternated repetitions (min-max)%n", n);
        out.println(String.format("%-26s %-5s %8s %12s %25s", "run", "mode", "payload", "tasks/s", "min-max"));
        List<RunResult> first = reports.get(0).results();
        List<RunResult> medians = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            int at = i;
            double[] rates = values(reports, (report) -> report.results().get(at).tasksPerSecond());
            RunResult one = first.get(i);
            out.println(String.format(Locale.ROOT, "%-26s %-5s %8d %12d %25s", one.name(), one.mode(), one.payload(),
                    Math.round(median(rates)), Math.round(rates[0]) + "-" + Math.round(rates[rates.length - 1])));
            double seconds = median(values(reports, (report) -> report.results().get(at).seconds()));
            medians.add(new RunResult(one.name(), one.mode(), one.payload(), one.workers(), one.producers(),
                    one.tasks(), seconds, median(rates), one.msgmnb(), one.dispatched(), one.handled(),
                    "median of " + n));
        }
        List<String> ratios = new ArrayList<>();
        for (int i = 1; i < first.size(); i++) {
            int at = i;
            double[] each = values(reports,
                    (report) -> report.results().get(0).tasksPerSecond() / report.results().get(at).tasksPerSecond());
            String ratio = String.format(Locale.ROOT, "ratio swoole/%s = %.3f median of %d (%.3f-%.3f)",
                    shortName(first.get(i).name()), median(each), n, each[0], each[each.length - 1]);
            ratios.add(ratio);
            out.println(ratio);
        }
        RunResult swoole = medians.get(0);
        out.println("tasks_per_s=" + Math.round(swoole.tasksPerSecond()));
        out.flush();
        return new Report(swoole, List.copyOf(medians), List.copyOf(ratios), List.of());
    }

    private static Report printLatencies(List<Report> reports, PrintStream out) {
        int n = reports.size();
        out.printf("# medians of %d alternated repetitions, microseconds (min-max)%n", n);
        out.println(String.format("%-26s %-5s %18s %18s %20s %22s", "run", "mode", "p50_us", "p99_us", "p999_us",
                "max_us"));
        List<LatencyResult> first = reports.get(0).latencies();
        List<LatencyResult> medians = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            int at = i;
            double[] p50 = values(reports, (report) -> report.latencies().get(at).p50());
            double[] p99 = values(reports, (report) -> report.latencies().get(at).p99());
            double[] p999 = values(reports, (report) -> report.latencies().get(at).p999());
            double[] max = values(reports, (report) -> report.latencies().get(at).max());
            LatencyResult one = first.get(i);
            out.println(String.format(Locale.ROOT, "%-26s %-5s %18s %18s %20s %22s", one.name(), one.mode(),
                    cell(p50), cell(p99), cell(p999), cell(max)));
            medians.add(new LatencyResult(one.name(), one.mode(), one.tasks(), median(p50), median(p99),
                    median(p999), median(max), "median of " + n));
        }
        List<String> ratios = new ArrayList<>();
        if (first.size() > 1) {
            String ratio = String.format(Locale.ROOT, "ratio swoole/C latency, median of %d: p50 %.2f, p99 %.2f,"
                    + " p99.9 %.2f, max %.2f (each within one repetition; below 1 = swoole-task faster)", n,
                    median(values(reports, (report) -> report.latencies().get(0).p50() / report.latencies().get(1).p50())),
                    median(values(reports, (report) -> report.latencies().get(0).p99() / report.latencies().get(1).p99())),
                    median(values(reports,
                            (report) -> report.latencies().get(0).p999() / report.latencies().get(1).p999())),
                    median(values(reports, (report) -> report.latencies().get(0).max() / report.latencies().get(1).max())));
            ratios.add(ratio);
            out.println(ratio);
        }
        LatencyResult swoole = medians.get(0);
        out.println(swoole.lastLine());
        out.flush();
        return new Report(null, List.of(), List.copyOf(ratios), List.copyOf(medians));
    }

    /** The ratio line of one latency run against the C baseline's. */
    static String latencyRatios(LatencyResult swoole, LatencyResult c) {
        return String.format(Locale.ROOT, "ratio swoole/C latency: p50 %.2f, p99 %.2f, p99.9 %.2f, max %.2f (below 1 ="
                + " swoole-task faster)", swoole.p50() / c.p50(), swoole.p99() / c.p99(), swoole.p999() / c.p999(),
                swoole.max() / c.max());
    }

    private static String cell(double[] sorted) {
        return String.format(Locale.ROOT, "%.1f (%.1f-%.1f)", median(sorted), sorted[0], sorted[sorted.length - 1]);
    }

    private static String shortName(String name) {
        if (name.startsWith("C ")) {
            return "C";
        }
        return name.replace(' ', '-');
    }

    /** Each report's value, sorted. */
    private static double[] values(List<Report> reports, ToDoubleFunction<Report> value) {
        double[] values = reports.stream().mapToDouble(value).toArray();
        Arrays.sort(values);
        return values;
    }

    /** The median of sorted values: the middle one, or the mean of the two in the middle. */
    static double median(double[] sorted) {
        int mid = sorted.length / 2;
        return (sorted.length % 2 == 1) ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
