package io.github.swooletask.spring.autoconfigure;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.unix.SocketPathException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A startup that fails on the Unix socket of ipc-mode 1 (a path in use, a regular file, no directory) is explained
 * by {@link SocketPathFailureAnalyzer}, whose action names {@code swoole.task.socket-path}: the core transport does
 * not know the property, the analyzer does.
 */
@ExtendWith(OutputCaptureExtension.class)
class SocketPathFailureAnalyzerIntegrationTests {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner(Path socket) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withBean(SwooleTaskTestSupport.NoOpHandler.class)
            .withPropertyValues(properties(socket));
    }

    private String[] properties(Path socket) {
        return new String[] { "swoole.task.ipc-mode=1", "swoole.task.socket-path=" + socket,
            "swoole.task.tmpdir=" + this.tmp, "swoole.task.dead-letter.directory=" + this.tmp.resolve("dead"),
            "swoole.task.worker-num=1" };
    }

    private static FailureAnalysis analysis(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(SocketPathException.class);
        FailureAnalysis analysis = new SocketPathFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
        return analysis;
    }

    @Test
    void aSocketInUseFailsTheStartupWithAnActionNamingThePropertyAndThePath() throws Exception {
        Path socket = this.tmp.resolve("taken.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket));
            runner(socket).run((context) -> {
                FailureAnalysis analysis = analysis(context);
                assertThat(analysis.getDescription()).startsWith("The task socket could not be set up: ")
                    .contains("in use");
                assertThat(analysis.getAction()).contains("swoole.task.socket-path").contains(socket.toString());
            });
            assertThat(socket).as("the other process's socket is left alone").exists();
        }
    }

    @Test
    void aRegularFileAtThePathFailsTheStartupAndIsLeftUntouched() throws Exception {
        Path regular = Files.writeString(this.tmp.resolve("regular.sock"), "keep me");
        runner(regular).run((context) -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).contains("regular file");
            assertThat(analysis.getAction()).contains("swoole.task.socket-path");
        });
        assertThat(regular).hasContent("keep me");
    }

    @Test
    void aPathWithoutItsDirectoryFailsTheStartup() {
        Path orphan = this.tmp.resolve("missing-dir/task.sock");
        runner(orphan).run((context) -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).contains("does not exist");
            assertThat(analysis.getAction()).contains("swoole.task.socket-path");
        });
        assertThat(orphan.getParent()).doesNotExist();
    }

    @Test
    void bootReportsTheAnalysisWhenTheApplicationFailsToStart(CapturedOutput output) throws Exception {
        Path regular = Files.writeString(this.tmp.resolve("regular.sock"), "keep me");
        SpringApplication application = new SpringApplication(SocketApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        String[] arguments = properties(regular);
        for (int i = 0; i < arguments.length; i++) {
            arguments[i] = "--" + arguments[i];
        }
        Throwable failure = catchThrowable(() -> application.run(arguments));
        assertThat(failure).hasRootCauseInstanceOf(SocketPathException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("The task socket could not be set up: ")
            .contains("regular file")
            .contains("Action:")
            .contains("Set swoole.task.socket-path to a path of this application's own")
            .contains("spring.application.name");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class })
    @Import(SwooleTaskTestSupport.NoOpHandler.class)
    static class SocketApplication {
    }
}
