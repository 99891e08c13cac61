package io.github.swooletask.spring.reliability;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.TaskTransport;

/**
 * A tiny application run as a child process by {@link RestartIntegrationTests}: its default handler sleeps
 * {@code reliability.sleep-ms} and then appends the payload and a newline to the file {@code reliability.out}, one
 * {@code write} per task, so what a killed process finished is on disk. No component scan (the package holds other
 * tests' configurations). It prints {@code RELIABILITY-QUEUE-ID=<id>} and {@code RELIABILITY-READY} once started, and
 * exits by itself when the test JVM is gone or after {@code reliability.max-life-ms}.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ReliabilityApp {

    public static void main(String[] args) {
        watchdog();
        SpringApplication application = new SpringApplication(ReliabilityApp.class);
        application.setBannerMode(Banner.Mode.OFF);
        ConfigurableApplicationContext context = application.run(args);
        TaskTransport transport = context.getBean(TaskTransport.class);
        if (transport instanceof SysVTransport sysv) {
            System.out.println("RELIABILITY-QUEUE-ID=" + sysv.queue().id());
        }
        System.out.println("RELIABILITY-READY");
        System.out.flush();
    }

    /** Never outlive the test: exit when the parent (the test JVM) ends, or after the longest life allowed. */
    private static void watchdog() {
        ProcessHandle.current().parent().ifPresent((parent) -> parent.onExit().thenRun(() -> {
            System.err.println("RELIABILITY parent gone, exiting");
            System.exit(3);
        }));
        long maxLife = Long.getLong("reliability.max-life-ms", 120_000L);
        Thread limit = new Thread(() -> {
            try {
                Thread.sleep(maxLife);
            }
            catch (InterruptedException ex) {
                return;
            }
            System.err.println("RELIABILITY lived " + maxLife + " ms, exiting");
            Runtime.getRuntime().halt(4);
        }, "reliability-max-life");
        limit.setDaemon(true);
        limit.start();
    }

    @Bean
    AppendingHandler appendingHandler() throws IOException {
        return new AppendingHandler(System.getProperty("reliability.out"), Long.getLong("reliability.sleep-ms", 10L));
    }

    static class AppendingHandler {

        private final FileOutputStream out;

        private final long sleepMillis;

        AppendingHandler(String file, long sleepMillis) throws IOException {
            this.out = new FileOutputStream(file, true);
            this.sleepMillis = sleepMillis;
        }

        @TaskHandler
        public void onTask(String payload) throws Exception {
            Thread.sleep(this.sleepMillis);
            byte[] line = (payload + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (this) {
                this.out.write(line);
            }
        }
    }
}
