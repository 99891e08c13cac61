package io.github.swooletask.bench;

import java.util.List;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quick run of the benchmark's main logic through the real starter: the last line must be
 * {@code tasks_per_s=<integer>} and every dispatched task must have been handled once. No timing is asserted.
 */
@EnabledOnOs(OS.LINUX)
class BenchSmokeTest {

    @Test
    void mode3RunWithMetricsHandlesAndTimesEveryDispatchedTask() throws Exception {
        BenchOutput run = BenchOutput.run("--tasks", "20000", "--mode", "3", "--payload", "16",
                "--workers", "2", "--metrics", "on");
        BenchApplication.Report report = run.report();
        String text = run.text();
        List<String> lines = run.lines();
        String last = run.last();
        assertTrue(last.matches("tasks_per_s=\\d+"), "last line: " + last + "\n" + text);
        long perSecond = Long.parseLong(last.substring("tasks_per_s=".length()));
        assertTrue(perSecond > 0, text);

        RunResult swoole = report.swoole();
        assertEquals(20000, swoole.tasks());
        assertEquals(20000 + 2000, swoole.dispatched(), "warm-up (10%) plus timed tasks");
        assertEquals(swoole.dispatched(), swoole.handled(), text);
        assertEquals(Math.round(swoole.tasksPerSecond()), perSecond);
        assertTrue(lines.contains("  metrics: swoole.task.execution counted " + swoole.dispatched() + " task runs"),
                "the execution timer timed every run with --metrics on\n" + text);
    }

    @Test
    void latencyRunsRepeatedBesideTheCBaselineEndWithTheMediansInTheContractsLastLine() throws Exception {
        BenchOutput run = BenchOutput.run("--latency", "300", "--warmup", "100", "--mode", "3", "--payload", "16",
                "--workers", "2", "--baseline", "c", "--repeat", "2");
        BenchApplication.Report report = run.report();
        String text = run.text();
        List<String> lines = run.lines();
        String last = run.last();
        assertTrue(last.matches("p50_us=[0-9.]+ p99_us=[0-9.]+ p999_us=[0-9.]+ max_us=[0-9.]+"), "last line: " + last
                + "\n" + text);
        assertEquals(2, lines.stream().filter((line) -> line.startsWith("# repetition ")).count(), text);
        assertEquals(2, report.latencies().size(), text);
        LatencyResult swoole = report.latencies().get(0);
        LatencyResult c = report.latencies().get(1);
        assertEquals("swoole-task (Java)", swoole.name());
        assertEquals("C msgq_baseline", c.name());
        for (LatencyResult result : report.latencies()) {
            assertEquals(300, result.tasks());
            assertTrue(result.p50() > 0 && result.p50() <= result.p99() && result.p99() <= result.p999()
                    && result.p999() <= result.max(), text);
        }
        assertEquals(last, swoole.lastLine());
        assertTrue(text.contains("ratio swoole/C latency, median of 2: p50 "), text);
    }

    @Test
    void repeatedThroughputRunsEndWithTheMedianRateAndTheMedianRatio() throws Exception {
        BenchOutput run = BenchOutput.run("--tasks", "5000", "--mode", "2", "--payload", "16",
                "--workers", "2", "--baseline", "c", "--repeat", "3");
        BenchApplication.Report report = run.report();
        String text = run.text();
        List<String> lines = run.lines();
        String last = run.last();
        assertEquals("tasks_per_s=" + Math.round(report.swoole().tasksPerSecond()), last, text);
        assertEquals(3, lines.stream().filter((line) -> line.startsWith("# this repetition: tasks_per_s=")).count(),
                text);
        assertEquals(List.of("swoole-task (Java)", "C msgq_baseline"),
                report.results().stream().map(RunResult::name).toList());
        assertTrue(text.contains("ratio swoole/C = ") && text.contains(" median of 3 ("), text);
    }

    @Test
    void latencyRefusesWhatItCannotMeasure() {
        IllegalArgumentException ex = Assertions.assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse("--latency", "10", "--external-producer", "php"));
        assertTrue(ex.getMessage().contains("--latency measures tasks dispatched from Java"), ex.getMessage());
    }
}
