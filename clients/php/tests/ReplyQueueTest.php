<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests;

use SwooleTask\Client\ReplyQueue;
use SwooleTask\Client\Tests\Support\IpcTestCase;

/** Reply queues: permissions derived from the task queue, receive by mtype, polling timeout, removal. */
final class ReplyQueueTest extends IpcTestCase
{
    /** @dataProvider modes */
    public function testModeDerivation(int $taskMode, int $replyMode): void
    {
        self::assertSame($replyMode, ReplyQueue::modeFor($taskMode));
    }

    /** @return array<string, array{int, int}> */
    public static function modes(): array
    {
        return [
            '0600' => [0600, 0600], '0666' => [0666, 0622], '0620' => [0620, 0620], '0602' => [0602, 0602],
            '0640' => [0640, 0600], '0644' => [0644, 0600], '0400' => [0400, 0600], '0777' => [0777, 0622],
            '0200' => [0200, 0600],
        ];
    }

    /** @dataProvider queueModes */
    public function testCreatedQueueTakesModeAndGroup(int $taskMode, int $expectedMode, bool $takesGroup): void
    {
        [, $taskQueue] = $this->newQueue($taskMode);
        self::assertTrue(msg_set_queue($taskQueue, ['msg_perm.gid' => 4242]));
        $reply = ReplyQueue::create($taskQueue);
        $this->trackQueueKey($reply->key());
        self::assertGreaterThan(0, $reply->key());
        self::assertLessThanOrEqual(0x7FFFFFFF, $reply->key());
        self::assertTrue(msg_queue_exists($reply->key()));
        $stat = msg_stat_queue(msg_get_queue($reply->key()));
        self::assertSame(sprintf('%o', $expectedMode), sprintf('%o', $stat['msg_perm.mode'] & 0777));
        self::assertSame($takesGroup ? 4242 : posix_getegid(), $stat['msg_perm.gid']);
        self::assertSame(posix_geteuid(), $stat['msg_perm.uid']);
        $reply->remove();
        self::assertFalse(msg_queue_exists($reply->key()));
    }

    /** @return array<string, array{int, int, bool}> */
    public static function queueModes(): array
    {
        return ['0600' => [0600, 0600, false], '0620' => [0620, 0620, true], '0666' => [0666, 0622, true],
            '0640' => [0640, 0600, false], '0602' => [0602, 0602, false]];
    }

    public function testReceiveTakesItsOwnMtypeAndTimesOut(): void
    {
        [, $taskQueue] = $this->newQueue();
        $reply = ReplyQueue::create($taskQueue);
        $this->trackQueueKey($reply->key());
        $queue = msg_get_queue($reply->key());
        msg_send($queue, 7, 'seven', false);
        msg_send($queue, 3, 'three', false);
        self::assertSame('three', $reply->receive(3, 1.0));
        self::assertSame('seven', $reply->receive(7, 1.0));

        $start = microtime(true);
        self::assertNull($reply->receive(3, 0.1));
        $elapsed = microtime(true) - $start;
        self::assertGreaterThanOrEqual(0.1, $elapsed);
        self::assertLessThan(0.5, $elapsed);
        self::assertNull($reply->receive(3, 0.0));
        $reply->remove();
    }

    public function testRemoveDrainsLeftoversAndIsIdempotent(): void
    {
        [, $taskQueue] = $this->newQueue();
        $reply = ReplyQueue::create($taskQueue);
        $key = $reply->key();
        $this->trackQueueKey($key);
        $queue = msg_get_queue($key);
        msg_send($queue, 5, 'late-1', false);
        msg_send($queue, 9, 'late-2', false);
        $seen = [];
        $reply->remove(static function (string $message) use (&$seen): void {
            $seen[] = $message;
        });
        self::assertSame(['late-1', 'late-2'], $seen);
        self::assertFalse(msg_queue_exists($key));
        $reply->remove();
        $this->expectException(\SwooleTask\Client\ClientException::class);
        $reply->receive(1, 0.0);
    }

    public function testDestructorRemovesTheQueue(): void
    {
        [, $taskQueue] = $this->newQueue();
        $reply = ReplyQueue::create($taskQueue);
        $key = $reply->key();
        $this->trackQueueKey($key);
        unset($reply);
        self::assertFalse(msg_queue_exists($key));
    }
}
