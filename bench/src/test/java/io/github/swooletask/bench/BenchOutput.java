package io.github.swooletask.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One run of the bench's main logic with its printed output kept, for the smoke tests.
 * @param report what the run measured
 * @param text everything it printed
 * @param lines the same, line by line
 */
record BenchOutput(BenchApplication.Report report, String text, List<String> lines) {

    /** Runs the bench with these command-line arguments. */
    static BenchOutput run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BenchApplication.Report report;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            report = BenchApplication.run(args, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        return new BenchOutput(report, text, text.lines().toList());
    }

    /** The last line printed: the contract's result line. */
    String last() {
        return this.lines.get(this.lines.size() - 1);
    }
}
