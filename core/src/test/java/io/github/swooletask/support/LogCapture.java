package io.github.swooletask.support;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

/**
 * The log lines one logger (and its children) writes while a test runs, formatted as a file appender would write
 * them ({@code LEVEL logger - message} and a line break, stack traces included). Close it to detach.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;

    private final Level previousLevel;

    private final PatternLayout layout = new PatternLayout();

    private final List<String> lines = new ArrayList<>();

    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            String line = LogCapture.this.layout.doLayout(event);
            synchronized (LogCapture.this.lines) {
                LogCapture.this.lines.add(line);
            }
        }
    };

    private LogCapture(String name) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        LoggerContext context = this.logger.getLoggerContext();
        this.layout.setContext(context);
        this.layout.setPattern("%-5level %logger{0} - %msg%n");
        this.layout.start();
        this.appender.setContext(context);
        this.appender.start();
        this.previousLevel = this.logger.getLevel();
        if (this.previousLevel == null || this.previousLevel.isGreaterOrEqual(Level.WARN)) {
            this.logger.setLevel(Level.INFO);
        }
        this.logger.addAppender(this.appender);
    }

    /** Captures what {@code type}'s logger writes. */
    public static LogCapture of(Class<?> type) {
        return new LogCapture(type.getName());
    }

    /** Captures what the logger {@code name} and its children write. */
    public static LogCapture of(String name) {
        return new LogCapture(name);
    }

    /** Every formatted event so far, each ending with its line break. */
    public List<String> events() {
        synchronized (this.lines) {
            return List.copyOf(this.lines);
        }
    }

    /** Formatted events containing {@code text}. */
    public List<String> eventsContaining(String text) {
        return events().stream().filter((line) -> line.contains(text)).toList();
    }

    /** Everything written so far, as one text. */
    public String text() {
        return String.join("", events());
    }

    /** Physical lines written so far (what {@code wc -l} of a log file would count). */
    public List<String> physicalLines() {
        List<String> out = new ArrayList<>();
        for (String event : events()) {
            out.addAll(List.of(event.split("\r\n|\r|\n")));
        }
        return out;
    }

    @Override
    public void close() {
        this.logger.detachAppender(this.appender);
        this.logger.setLevel(this.previousLevel);
        this.appender.stop();
    }
}
