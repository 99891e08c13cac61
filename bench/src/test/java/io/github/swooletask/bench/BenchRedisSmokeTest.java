package io.github.swooletask.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A quick {@code --transport redis-streams} run with both Redis baselines, on a redis-server the bench starts and
 * stops itself: every row handled each task once, the last line is {@code tasks_per_s=<integer>}, the ratios are
 * printed, and no redis-server is left running; and a {@code --latency} run over Redis. Skipped where redis-server
 * is not installed. No timing asserted.
 */
@EnabledOnOs(OS.LINUX)
class BenchRedisSmokeTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void redisStreamsRunWithBothBaselinesHandlesEveryTask() throws Exception {
        assumeTrue(installed(), "redis-server is not installed");
        BenchOutput run = BenchOutput.run("--transport", "redis-streams", "--tasks", "1000",
                "--mode", "3", "--payload", "16", "--workers", "2", "--baseline", "redis-all");
        BenchApplication.Report report = run.report();
        String text = run.text();
        List<String> lines = run.lines();
        String last = run.last();
        assertTrue(last.matches("tasks_per_s=\\d+"), "last line: " + last + "\n" + text);
        assertEquals(Math.round(report.swoole().tasksPerSecond()), Long.parseLong(last.substring("tasks_per_s=".length())), text);

        assertEquals(3, report.results().size(), text);
        for (RunResult result : report.results()) {
            assertEquals(1000, result.tasks(), text);
            assertEquals(1000 + 100, result.dispatched(), result.name() + ": warm-up (10%) plus timed tasks");
            assertEquals(result.dispatched(), result.handled(), result.name() + "\n" + text);
        }
        assertTrue(text.contains("ratio swoole/spring-data = "), text);
        assertTrue(text.contains("ratio swoole/raw = "), text);
        boolean serverLeft = ProcessHandle.current().descendants()
            .anyMatch((process) -> process.isAlive() && process.info().command().orElse("").endsWith("redis-server"));
        assertTrue(!serverLeft, "the bench's redis-server still runs");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void redisStreamsLatencyRunEndsWithThePercentilesAndRefusesTheRedisBaselines() throws Exception {
        assumeTrue(installed(), "redis-server is not installed");
        BenchOutput run = BenchOutput.run("--transport", "redis-streams", "--latency", "200", "--warmup", "100",
                "--mode", "3", "--payload", "16", "--workers", "2");
        String text = run.text();
        assertTrue(run.last().matches("p50_us=[0-9.]+ p99_us=[0-9.]+ p999_us=[0-9.]+ max_us=[0-9.]+"), text);
        assertEquals(1, run.report().latencies().size(), text);
        LatencyResult swoole = run.report().latencies().get(0);
        assertEquals("swoole-task (redis)", swoole.name());
        assertEquals(200, swoole.tasks());
        assertTrue(swoole.p50() > 0 && swoole.p50() <= swoole.max(), text);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse("--transport", "redis-streams", "--latency", "10", "--baseline", "raw"));
        assertTrue(refused.getMessage().contains("--latency takes --baseline none or c"), refused.getMessage());
    }

    private static boolean installed() {
        try {
            Process process = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (Exception ex) {
            return false;
        }
    }
}
