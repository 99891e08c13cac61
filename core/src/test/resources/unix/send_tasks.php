<?php
// Usage: php send_tasks.php SOCKET_PATH COUNT
// Connects like a Swoole 1.7 PHP client in ipc-mode 1 and writes COUNT tasks, each packed as
// int32 id | uint16 length | int16 from id | uint8 type 7 | uint8 0 | uint16 flags 4 (NONBLOCK), then the data.
// Task i carries "php-task-i"; the last one carries a larger body to exercise partial writes.

$path = $argv[1];
$count = (int) $argv[2];
$socket = stream_socket_client('unix://' . $path, $errno, $errstr, 5);
if ($socket === false) {
    fwrite(STDERR, "cannot connect to $path: $errstr ($errno)\n");
    exit(1);
}
stream_set_blocking($socket, true);

function send_all($socket, string $bytes): void
{
    while ($bytes !== '') {
        $written = fwrite($socket, $bytes);
        if ($written === false || $written === 0) {
            fwrite(STDERR, "write failed\n");
            exit(2);
        }
        $bytes = (string) substr($bytes, $written);
    }
}

for ($id = 1; $id <= $count; $id++) {
    $data = ($id === $count) ? 'php-task-' . $id . ':' . str_repeat('x', 5000) : 'php-task-' . $id;
    send_all($socket, pack('lSsCCS', $id, strlen($data), 0, 7, 0, 4) . $data);
}
fclose($socket);
