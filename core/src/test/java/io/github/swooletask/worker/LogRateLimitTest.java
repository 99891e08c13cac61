package io.github.swooletask.worker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link LogRateLimit}: a burst, then counts. */
class LogRateLimitTest {

    @Test
    void aBurstIsAdmittedThenLinesAreCountedAndTheCountComesWithTheNextAdmittedLine() throws Exception {
        LogRateLimit limit = new LogRateLimit(3);
        assertThat(limit.admit()).isZero();
        assertThat(limit.admit()).isZero();
        assertThat(limit.admit()).isZero();
        long refused = 0;
        // within one second (or the next): at most a burst more is admitted, everything else is counted
        long admittedAfter = 0;
        for (int i = 0; i < 1000; i++) {
            long left = limit.admit();
            if (left < 0) {
                refused++;
            }
            else {
                admittedAfter++;
            }
        }
        assertThat(refused).isGreaterThanOrEqualTo(1000 - 3 * 2);
        assertThat(admittedAfter).isLessThanOrEqualTo(6);
    }
}
