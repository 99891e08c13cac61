<?php
// Posts two tasks to a swoole-task queue the way Swoole's external PHP clients do:
// a text task and a PHP array (serialize()d, flag 2). Usage: php post-task.php KEY TEXT
$key = intval($argv[1], 0);
$text = $argv[2] ?? 'hello';
$queue = msg_get_queue($key);
function frame(int $id, string $data, int $flags): string {
    // int32 task id | uint16 length | int16 from id | uint8 type 7 | uint8 0 | uint16 flags | data
    return pack('lSsCCS', $id, strlen($data), 0, 7, 0, $flags) . $data;
}
$ok = msg_send($queue, 2, frame(1, $text, 4), false)
    && msg_send($queue, 2, frame(2, serialize(['order' => 7, 'size' => 'XL']), 4 | 2), false);
if (!$ok) {
    fwrite(STDERR, "msg_send failed\n");
    exit(1);
}
echo "posted 2 tasks\n";
