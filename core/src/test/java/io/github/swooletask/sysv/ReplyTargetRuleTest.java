package io.github.swooletask.sysv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Everyone who may post to the task queue must be able to write the reply queue themselves. */
class ReplyTargetRuleTest {

    private static final int APP = 1000;

    private static final int PHP = 33;

    private static final int NOBODY = 65534;

    private static QueueStats queue(int uid, int gid, int mode) {
        return new QueueStats(0, 0, 16384, 0, 0, uid, uid, mode, gid, gid);
    }

    private static String check(QueueStats task, QueueStats reply) {
        return ReplyTargetRule.check(task, reply, APP);
    }

    @Test
    void aPrivateTaskQueueOnlyTheAppCanPostToTrustsAnyReplyQueue() {
        QueueStats task = queue(APP, 100, 0600);
        assertThat(check(task, queue(APP, 100, 0600))).isNull();
        assertThat(check(task, queue(NOBODY, 65534, 0600))).as("only the app itself could have named it").isNull();
    }

    @Test
    void aWorldWritableTaskQueueNeedsAWorldWritableReplyQueue() {
        QueueStats task = queue(APP, 100, 0666);
        assertThat(check(task, queue(PHP, 33, 0622))).isNull();
        assertThat(check(task, queue(NOBODY, 65534, 0600))).contains("every user post").contains("0600");
        assertThat(check(task, queue(PHP, 33, 0620))).isNotNull();
        assertThat(check(task, queue(PHP, 33, 0422))).as("its owner cannot write it").isNotNull();
    }

    @Test
    void aGroupWritableTaskQueueNeedsTheSameGroupToWriteTheReplyQueue() {
        QueueStats task = queue(APP, 500, 0660);
        assertThat(check(task, queue(PHP, 500, 0620))).isNull();
        assertThat(check(task, queue(PHP, 33, 0620))).as("another group").contains("group 500");
        assertThat(check(task, queue(PHP, 500, 0600))).as("group may not write").isNotNull();
        assertThat(check(task, queue(PHP, 33, 0622))).as("everyone may write").isNull();
    }

    @Test
    void aTaskQueueOwnedByAnotherUserNeedsThatUserToOwnOrReachTheReplyQueue() {
        QueueStats task = queue(PHP, 33, 0600);
        assertThat(check(task, queue(PHP, 33, 0600))).isNull();
        assertThat(check(task, queue(NOBODY, 33, 0620))).as("PHP's uid is not its owner").contains("uid 33");
        assertThat(check(queue(PHP, 33, 0620), queue(PHP, 33, 0600))).as("group 33 may post too")
            .contains("group 33");
        assertThat(check(task, queue(NOBODY, 65534, 0622))).isNull();
        QueueStats rootOwned = queue(0, 0, 0600);
        assertThat(check(rootOwned, queue(NOBODY, 65534, 0600))).as("root writes anywhere anyway").isNull();
    }
}
