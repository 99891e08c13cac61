package io.github.swooletask.bench;

import java.util.List;

import io.github.swooletask.sysv.KernelLimits;

/**
 * The C reference ({@code bench/c/msgq_baseline.c}): the same tasks through one System V queue with nothing but
 * {@code msgsnd}/{@code msgrcv} around them, and the same external producer drained by C consumers.
 */
final class CBaseline {

    private CBaseline() {
    }

    /**
     * One C producer thread and {@code workers} C consumer threads on a private queue, in mode 2 or 3 (mode 3 stands
     * in for mode 1, which has no C counterpart here). Timed from the first send to the last receive.
     */
    static RunResult pair(BenchOptions options, ExternalPrograms programs) throws InterruptedException {
        int mode = (options.mode() == 2) ? 2 : 3;
        List<String> lines = ChildProcess.run("C baseline", List.of(programs.cBaseline().toString(), "--payload",
                Integer.toString(options.payload()), "--consumers", Integer.toString(options.workers()), "--tasks",
                Long.toString(options.tasks()), "--mode", Integer.toString(mode)),
                SwooleRun.producerTimeout(options.tasks()));
        requireNoErrors(lines);
        double seconds = Double.parseDouble(ChildProcess.value(lines, "elapsed_s"));
        double rate = Double.parseDouble(ChildProcess.value(lines, "msgs_per_s"));
        return new RunResult("C msgq_baseline", Integer.toString(mode), options.payload(), options.workers(), "1",
                options.tasks(), seconds, rate, KernelLimits.read().msgmnb(), options.tasks(), options.tasks(),
                (options.mode() == 1) ? "C has no Unix-socket variant: mode 3 shown" : "first send to last receive");
    }

    /**
     * {@code workers} C consumer threads drain {@code tasks} tasks that the external producer posts to queue
     * {@code key}, created afresh by the producer. Timed from the first to the last message received.
     */
    static RunResult drain(BenchOptions options, int key, ExternalPrograms programs) throws InterruptedException {
        String kind = options.externalProducer();
        String hex = String.format("0x%08x", key);
        long timeout = SwooleRun.producerTimeout(options.tasks());
        List<String> consumerLines;
        List<String> producerLines;
        // the consumers wait (up to 60 s) for the producer to create the queue
        try (ChildProcess consumers = ChildProcess.start("C consumers", List.of(programs.cBaseline().toString(),
                "--consumer-only", hex, "--payload", Integer.toString(options.payload()), "--consumers",
                Integer.toString(options.workers()), "--tasks", Long.toString(options.tasks())));
                ChildProcess producer = ChildProcess.start(kind + " producer",
                        programs.producerCommand(kind, key, options.payload(), options.tasks()))) {
            producerLines = producer.await(timeout);
            consumerLines = consumers.await(timeout);
        }
        requireNoErrors(consumerLines);
        double seconds = Double.parseDouble(ChildProcess.value(consumerLines, "elapsed_s"));
        double rate = Double.parseDouble(ChildProcess.value(consumerLines, "msgs_per_s"));
        return new RunResult("C consumers drain " + kind, "3", options.payload(), options.workers(), "1 " + kind,
                options.tasks(), seconds, rate, KernelLimits.read().msgmnb(), options.tasks(), options.tasks(),
                "first to last received; the " + kind + " producer sent "
                        + ChildProcess.value(producerLines, "msgs_per_s") + " msgs/s");
    }

    private static void requireNoErrors(List<String> lines) {
        String errors = ChildProcess.value(lines, "errors");
        if (!errors.equals("0")) {
            throw new IllegalStateException("the C baseline reported errors=" + errors + ":\n"
                    + String.join("\n", lines));
        }
    }
}
