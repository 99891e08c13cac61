<?php
// Posts tasks to a swoole-task Redis stream with phpredis, as a PHP shop would: XADD <stream> * frame <bytes>.
// Usage: php redis-producer.php PORT STREAM
// Posts: "hello from PHP" (12-byte layout), serialize([1, "two", ["k" => 3.5]]) (SERIALIZE), and 100 KB of text
// in the 40-byte layout (its uint32 length carries it inline: no spill files across hosts).
require dirname(__DIR__, 5) . '/clients/php/src/autoload.php';

use SwooleTask\Client\{Flags, FrameCodec, WireFormat};

[$script, $port, $stream] = $argv;
$redis = new Redis();
$redis->connect('127.0.0.1', (int) $port);
$classic = new FrameCodec(WireFormat::SWOOLE_17);
$modern = new FrameCodec(WireFormat::SWOOLE_61);
$frames = [];
$text = 'hello from PHP';
$frames[] = $classic->header(1, strlen($text), Flags::NONBLOCK) . $text;
$array = serialize([1, 'two', ['k' => 3.5]]);
$frames[] = $classic->header(2, strlen($array), Flags::NONBLOCK | Flags::SERIALIZE) . $array;
$big = str_repeat('0123456789', 10_000);
$frames[] = $modern->header(3, strlen($big), Flags::NONBLOCK | Flags::NOREPLY) . $big;
foreach ($frames as $frame) {
    if ($redis->xAdd($stream, '*', ['frame' => $frame]) === false) {
        fwrite(STDERR, "XADD failed\n");
        exit(1);
    }
}
echo count($frames), "\n";
