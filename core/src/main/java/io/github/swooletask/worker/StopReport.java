package io.github.swooletask.worker;

import java.util.List;

/**
 * What a graceful stop left undone.
 *
 * @param abandonedTaskIds ids of tasks still running when the timeout ran out (their workers were interrupted)
 * @param stuckWorkers workers that had not ended when the timeout ran out
 */
public record StopReport(List<Integer> abandonedTaskIds, int stuckWorkers) {

    public boolean clean() {
        return this.abandonedTaskIds.isEmpty() && this.stuckWorkers == 0;
    }
}
