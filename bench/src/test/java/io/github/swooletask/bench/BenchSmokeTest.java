package io.github.swooletask.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

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
    void mode3RunHandlesEveryDispatchedTask() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BenchApplication.Report report;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            report = BenchApplication.run(new String[] { "--tasks", "20000", "--mode", "3", "--payload", "16",
                "--workers", "2" }, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("tasks_per_s=\\d+"), "last line: " + last + "\n" + text);
        long perSecond = Long.parseLong(last.substring("tasks_per_s=".length()));
        assertTrue(perSecond > 0, text);

        RunResult swoole = report.swoole();
        assertEquals(20000, swoole.tasks());
        assertEquals(20000 + 2000, swoole.dispatched(), "warm-up (10%) plus timed tasks");
        assertEquals(swoole.dispatched(), swoole.handled(), text);
        assertEquals(Math.round(swoole.tasksPerSecond()), perSecond);
    }
}
