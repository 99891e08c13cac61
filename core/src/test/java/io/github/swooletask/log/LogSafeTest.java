package io.github.swooletask.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogSafeTest {

    @Test
    void printableTextIsLeftAsItIs() {
        String text = "orders.created héllo € 日本 \uD83D\uDE00 /tmp/swoole.task_1 \"quoted\" a\\b";
        assertThat(LogSafe.escape(text)).isSameAs(text);
        assertThat(LogSafe.isSafe(text)).isTrue();
    }

    @Test
    void everyLineBreakAndTerminalControlIsEscaped() {
        assertThat(LogSafe.escape("a\nb\rc\td\u001b[31me\u0000f\u007fg"))
            .isEqualTo("a\\nb\\rc\\td\\e[31me\\x00f\\x7fg");
    }

    @Test
    void unicodeControlsSeparatorsAndInvisibleCharactersAreEscaped() {
        // NEL, line and paragraph separators, RLO, zero-width space, BOM, private use, an unpaired surrogate
        assertThat(LogSafe.escape("\u0085|\u2028|\u2029|\u202e|\u200b|\ufeff|\ue000|\ud800|x"))
            .isEqualTo("\\u0085|\\u2028|\\u2029|\\u202e|\\u200b|\\ufeff|\\ue000|\\ud800|x");
        // a supplementary code point that is private use
        assertThat(LogSafe.escape(new String(Character.toChars(0x10fffd)))).isEqualTo("\\u{10fffd}");
    }

    @Test
    void escapingTwiceIsEscapingOnce() {
        String once = LogSafe.escape("route\nERROR forged \u001b[2J");
        assertThat(LogSafe.escape(once)).isEqualTo(once);
        assertThat(LogSafe.isSafe(once)).isTrue();
    }

    @Test
    void longTextIsCutWithACount() {
        assertThat(LogSafe.escape("abcdef\n", 3)).isEqualTo("abc... (4 more characters)");
        assertThat(LogSafe.escape("ab\n", 3)).isEqualTo("ab\\n");
        assertThat(LogSafe.escape(null)).isEqualTo("null");
    }

    @Test
    void aRateLimitLetsABurstThroughPerWindowAndCountsTheRest() {
        AtomicLong now = new AtomicLong();
        LogRateLimit limit = new LogRateLimit(2, Duration.ofSeconds(1), now::get);
        assertThat(limit.permit()).isZero();
        assertThat(limit.permit()).isZero();
        assertThat(limit.permit()).isEqualTo(-1);
        assertThat(limit.permit()).isEqualTo(-1);
        assertThat(limit.skipped()).isEqualTo(2);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(limit.permit()).isEqualTo(2);
        assertThat(limit.permit()).isZero();
        assertThat(LogRateLimit.skippedNote(0)).isEmpty();
        assertThat(LogRateLimit.skippedNote(3)).isEqualTo(" (3 more like it not logged)");
    }
}
