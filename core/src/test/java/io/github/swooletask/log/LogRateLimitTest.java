package io.github.swooletask.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@link LogRateLimit}: a burst per window, then counts said with the next line let through. */
class LogRateLimitTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private final LogRateLimit limit = new LogRateLimit(3, Duration.ofSeconds(1), this.now::get);

    @Test
    void aBurstIsLetThroughThenLinesAreCountedAndTheCountComesWithTheNextWindowsFirstLine() {
        assertThat(this.limit.permit()).isZero();
        assertThat(this.limit.permit()).isZero();
        assertThat(this.limit.permit()).isZero();
        for (int i = 0; i < 1000; i++) {
            assertThat(this.limit.permit()).isEqualTo(-1);
        }
        assertThat(this.limit.skipped()).isEqualTo(1000);
        this.now.addAndGet(Duration.ofMillis(999).toNanos());
        assertThat(this.limit.permit()).isEqualTo(-1);
        this.now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(this.limit.permit()).isEqualTo(1001);
        assertThat(this.limit.permit()).isZero();
        assertThat(this.limit.skipped()).isZero();
    }

    @Test
    void theNoteSaysHowManyWereLeftOut() {
        assertThat(LogRateLimit.skippedNote(0)).isEmpty();
        assertThat(LogRateLimit.skippedNote(12)).isEqualTo(" (12 more like it not logged)");
    }

    @Test
    void aBurstBelowOneOrAnEmptyWindowIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new LogRateLimit(0, Duration.ofSeconds(1)))
            .withMessageContaining("burst of at least 1");
        assertThatIllegalArgumentException().isThrownBy(() -> new LogRateLimit(1, Duration.ZERO))
            .withMessageContaining("positive window");
    }
}
