package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.SpillDirectoryException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A startup that fails on the spill directory is explained by {@link SpillDirectoryFailureAnalyzer}, whose action
 * names {@code swoole.task.tmpdir}. The application brings an in-memory transport, so no queue or socket is made.
 */
class SpillDirectoryFailureAnalyzerTest {

    @TempDir
    Path root;

    private ApplicationContextRunner runner(Path tmpdir) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withBean(TaskTransport.class, () -> InMemoryTransport.preemptive(1))
            .withPropertyValues("swoole.task.tmpdir=" + tmpdir, "swoole.task.worker-num=1",
                    "swoole.task.dead-letter.directory=" + this.root.resolve("dead"));
    }

    private static FailureAnalysis analysis(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        FailureAnalysis analysis = new SpillDirectoryFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
        assertThat(analysis.getCause()).isInstanceOf(SpillDirectoryException.class);
        assertThat(analysis.getDescription()).startsWith("The spill directory cannot be used: ");
        assertThat(analysis.getAction()).contains("swoole.task.tmpdir");
        return analysis;
    }

    @Test
    void aTmpdirThatDoesNotExistFailsTheStartupWithAnActionNamingTheProperty() {
        Path missing = this.root.resolve("no-such-dir");
        runner(missing).run((context) -> assertThat(analysis(context).getDescription()).contains(missing.toString())
            .contains("does not exist"));
    }

    @Test
    void aTmpdirThatIsAFileFailsTheStartup() throws Exception {
        Path file = Files.writeString(this.root.resolve("a-file"), "not a directory");
        runner(file).run((context) -> assertThat(analysis(context).getDescription()).contains("is not a directory"));
    }

    @Test
    void aTmpdirTooLongForASpillBodyFailsTheStartup() throws Exception {
        Path deep = Files.createDirectories(this.root.resolve("d".repeat(60)).resolve("e".repeat(60)));
        runner(deep).run((context) -> assertThat(analysis(context).getDescription()).contains("is too long"));
    }

    @Test
    void otherFailuresAreLeftToOtherAnalyzers() {
        assertThat(new SpillDirectoryFailureAnalyzer().analyze(new IllegalStateException("something else")))
            .isNull();
    }
}
