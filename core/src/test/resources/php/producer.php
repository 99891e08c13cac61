<?php
// Test producer for PhpProducerInteropTest: posts tasks to an existing System V message queue, packed the way
// Swoole's external PHP client packs them (12-byte header, host byte order, mtype 2).
//
// Usage: php producer.php KEY TMPDIR SPEC.json
//   KEY      queue key, decimal or 0x-hex; the queue must exist already (this script never creates one)
//   TMPDIR   directory for spill files (data of 8180 bytes or more)
//   SPEC     a JSON list of tasks, each either {"string": "..."} (sent raw) or {"value": ...} (sent as serialize())
// Prints "sent N" and exits 0 when every task was queued; prints the problem to stderr and exits 1 otherwise.

declare(strict_types=1);

const TASK_TMPFILE = 1;
const TASK_SERIALIZE = 2;
const TASK_NONBLOCK = 4;
const EVENT_TASK = 7;
const SPILL_AT = 8180;       // data this long or longer goes to a file
const SPILLED_LENGTH = 152;  // the length field of a spilled task (128 + 24 in Swoole)
const TASK_MTYPE = 2;

function fail(string $why): void
{
    fwrite(STDERR, "producer.php: $why\n");
    exit(1);
}

function encodeTask(int $taskId, $payload, string $spillDir): string
{
    $flags = TASK_NONBLOCK;
    if (is_string($payload)) {
        $data = $payload;
    } else {
        $data = serialize($payload);
        $flags |= TASK_SERIALIZE;
    }
    $length = strlen($data);
    if ($length >= SPILL_AT) {
        $file = tempnam($spillDir, 'swoole.task');
        if ($file === false) {
            fail("tempnam($spillDir) failed");
        }
        if (dirname($file) !== $spillDir) {
            @unlink($file);
            fail("tempnam put the spill file in " . dirname($file) . " instead of $spillDir");
        }
        if (file_put_contents($file, $data) !== $length) {
            @unlink($file);
            fail("could not write $length bytes to $file");
        }
        $data = pack('l', $length) . $file . "\0";
        $flags |= TASK_TMPFILE;
        $length = SPILLED_LENGTH;
    }
    return pack('lSsCCS', $taskId, $length, 0, EVENT_TASK, 0, $flags) . $data;
}

if ($argc !== 4) {
    fail("usage: php producer.php KEY TMPDIR SPEC.json");
}
$key = intval($argv[1], 0);
if ($key === 0) {
    fail("bad queue key '{$argv[1]}'");
}
$spillDir = realpath($argv[2]);
if ($spillDir === false || !is_dir($spillDir)) {
    fail("spill directory {$argv[2]} does not exist");
}
$json = file_get_contents($argv[3]);
if ($json === false) {
    fail("cannot read {$argv[3]}");
}
$tasks = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
if (!is_array($tasks) || !array_is_list($tasks)) {
    fail("the spec must be a JSON list");
}
if (!msg_queue_exists($key)) {
    fail(sprintf("no message queue with key 0x%08x", $key));
}
$queue = msg_get_queue($key);

$taskId = 1;
foreach ($tasks as $i => $task) {
    if (is_array($task) && array_key_exists('string', $task) && is_string($task['string'])) {
        $payload = $task['string'];
    } elseif (is_array($task) && array_key_exists('value', $task)) {
        $payload = $task['value'];
        if (is_string($payload)) {
            fail("task $i: a string value is sent raw; use {\"string\": ...}");
        }
    } else {
        fail("task $i: expected {\"string\": ...} or {\"value\": ...}");
    }
    $packet = encodeTask($taskId, $payload, $spillDir);
    $error = 0;
    if (!msg_send($queue, TASK_MTYPE, $packet, false, true, $error)) {
        fail("msg_send of task $taskId failed with errno $error");
    }
    $taskId++;
}
echo "sent " . ($taskId - 1) . "\n";
