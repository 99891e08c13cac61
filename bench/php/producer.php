<?php
// External producer for the swoole-task bench: posts COUNT tasks of PAYLOAD bytes to the System V queue KEY, each
// packed as the reference PHP client does (12-byte header, type 7, flags 4 = NONBLOCK) and sent with mtype 2, in a
// tight loop. Creates the queue (0600) if it does not exist; never removes it.
// Usage: php producer.php KEY COUNT PAYLOAD   (KEY decimal or 0x-hex)
// Prints sent=, elapsed_s= (first to last send) and, last, msgs_per_s=.
if ($argc !== 4) {
    fwrite(STDERR, "usage: php producer.php KEY COUNT PAYLOAD\n");
    exit(2);
}
if (!function_exists('msg_send')) {
    fwrite(STDERR, "php has no sysvmsg extension (msg_send)\n");
    exit(2);
}
$key = intval($argv[1], 0);
$count = intval($argv[2]);
$size = intval($argv[3]);
if ($key === 0 || $count < 0 || $size < 0 || $size >= 8180) {
    fwrite(STDERR, "bad arguments: KEY must be non-zero, COUNT >= 0, 0 <= PAYLOAD < 8180\n");
    exit(2);
}
$q = msg_get_queue($key, 0600);
if ($q === false) {
    fwrite(STDERR, "msg_get_queue($key) failed\n");
    exit(1);
}
$d = str_repeat("\xAB", $size);
$err = 0;
$t0 = hrtime(true);
for ($id = 1; $id <= $count; $id++) {
    if (!msg_send($q, 2, pack('lSsCCS', $id, strlen($d), 0, 7, 0, 4) . $d, false, true, $err)) {
        fwrite(STDERR, "msg_send failed at task $id: errno $err\n");
        exit(1);
    }
}
$secs = (hrtime(true) - $t0) / 1e9;
printf("sent=%d\nelapsed_s=%.6f\nmsgs_per_s=%d\n", $count, $secs, $secs > 0 ? round($count / $secs) : 0);
