<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests;

use SwooleTask\Client\ClientException;
use SwooleTask\Client\Flags;
use SwooleTask\Client\Frame;
use SwooleTask\Client\FrameCodec;
use SwooleTask\Client\TaskClient;
use SwooleTask\Client\TaskFailedException;
use SwooleTask\Client\TaskTimeoutException;
use SwooleTask\Client\Tests\Support\FakeWorker;
use SwooleTask\Client\Tests\Support\IpcTestCase;
use SwooleTask\Client\WireFormat;

/** dispatch() and call() for real over System V queues, with a forked fake worker. */
final class TaskClientTest extends IpcTestCase
{
    public function testMissingQueueAndBadArguments(): void
    {
        try {
            new TaskClient($this->unusedKey());
            self::fail('no queue');
        } catch (ClientException $e) {
            self::assertStringContainsString('not running or the key is wrong', $e->getMessage());
        }
        [$key] = $this->newQueue();
        foreach ([static fn () => new TaskClient(0), static fn () => new TaskClient($key, 'swoole-9'),
            static fn () => new TaskClient($key, workerMtypeOffset: 0)] as $i => $make) {
            try {
                $make();
                self::fail("accepted bad arguments #$i");
            } catch (ClientException) {
                self::assertTrue(true);
            }
        }
    }

    public function testDispatchSwoole17(): void
    {
        [$key, $queue] = $this->newQueue();
        $client = $this->closeLater(new TaskClient($key));
        self::assertSame(1, $client->dispatch('Hello from PHP!'));
        self::assertSame(2, $client->dispatch([1, 2], worker: 1));
        self::assertSame(3, $client->dispatch('x', name: 'mail', serialize: true));

        [$mtype, $message] = self::receive($queue);
        self::assertSame(2, $mtype);
        self::assertSame(bin2hex(pack('lSsCCS', 1, 15, 0, 7, 0, 4) . 'Hello from PHP!'), bin2hex($message));
        [$mtype, $message] = self::receive($queue);
        self::assertSame(3, $mtype);
        self::assertSame(bin2hex(pack('lSsCCS', 2, 22, 0, 7, 0, 6) . serialize([1, 2])), bin2hex($message));
        [$mtype, $message] = self::receive($queue);
        self::assertSame(2, $mtype);
        self::assertSame(bin2hex(pack('lSsCCS', 3, 13, 0, 7, 0, 4 | 2 | Flags::ROUTED) . "\x04mail" . 's:1:"x";'), bin2hex($message));
    }

    /** @dataProvider dataHeadLayouts */
    public function testDispatchDataHead(WireFormat $wire): void
    {
        [$key, $queue] = $this->newQueue();
        $client = $this->closeLater(new TaskClient($key, $wire->value, workerMtypeOffset: 10));
        $before = microtime(true);
        self::assertSame(1, $client->dispatch('hello', worker: 3));
        [$mtype, $message] = self::receive($queue);
        self::assertSame(13, $mtype);
        self::assertSame(bin2hex(pack('qQLsCCSSL', 1, 0, 5, 0, $wire->taskType(), 0, 0, 132, 0)), bin2hex(substr($message, 0, 32)));
        self::assertSame('hello', substr($message, 40));
        $time = unpack('d', substr($message, 32, 8))[1];
        self::assertGreaterThanOrEqual($before, $time);
        self::assertLessThanOrEqual(microtime(true), $time);

        $client->dispatch(['k' => 1]);
        [$mtype, $message] = self::receive($queue);
        self::assertSame([10, 134], [$mtype, unpack('S', $message, 26)[1]]);
    }

    public function testDispatchSpillsAndCleansUpWhenTheSendFails(): void
    {
        $dir = $this->newTmpDir();
        [$key, $queue] = $this->newQueue();
        // a queue that holds less than one message: the non-blocking send fails
        self::assertTrue(msg_set_queue($queue, ['msg_qbytes' => 100]));
        $client = $this->closeLater(new TaskClient($key, tmpdir: $dir, blocking: false));
        self::assertSame(1, $client->dispatch('small'));
        try {
            $client->dispatch(str_repeat('x', 9000));
            self::fail('the queue is full');
        } catch (ClientException $e) {
            self::assertStringContainsString('full', $e->getMessage());
        }
        self::assertSame([], self::filesIn($dir), 'the spill file of an unsent task is removed');
    }

    /** @dataProvider layouts */
    public function testCallRoundTrip(WireFormat $wire): void
    {
        $dir = $this->newTmpDir();
        [$key, $queue] = $this->newQueue();
        $this->fork(static function () use ($wire, $dir, $queue): void {
            (new FakeWorker(new FrameCodec($wire, $dir), $queue))->serve([FakeWorker::class, 'describe'], 2);
        });
        $client = $this->closeLater(new TaskClient($key, $wire, tmpdir: $dir));

        $seen = $client->call('ping', name: 'echo');
        $replyKey = $client->replyKey();
        self::assertNotNull($replyKey);
        $this->trackQueueKey($replyKey);
        $noReply = $wire->isDataHead() ? Flags::NOREPLY : 0;
        self::assertSame(['taskId' => 1, 'type' => $wire->taskType(), 'flags' => Flags::REPLY_TO | Flags::ROUTED | $noReply,
            'mtype' => 2, 'name' => 'echo', 'replyMtype' => 1, 'spilled' => false, 'payload' => base64_encode('ping')], $seen);

        $seen = $client->call(['n' => 1]);
        self::assertSame($replyKey, $client->replyKey(), 'one reply queue for all calls of a client');
        self::assertSame([2, Flags::REPLY_TO | Flags::SERIALIZE | $noReply, 2, serialize(['n' => 1])],
            [$seen['taskId'], $seen['flags'], $seen['replyMtype'], base64_decode($seen['payload'])]);

        $client->close();
        self::assertFalse(msg_queue_exists($replyKey));
        self::assertNull($client->replyKey());
    }

    /** @dataProvider layouts */
    public function testResultKindsFailureAndSpillBothWays(WireFormat $wire): void
    {
        $dir = $this->newTmpDir();
        [$key, $queue] = $this->newQueue();
        $big = str_repeat('0123456789', 2000);
        $this->fork(static function () use ($wire, $dir, $queue, $big): void {
            $worker = new FakeWorker(new FrameCodec($wire, $dir), $queue);
            $worker->serve(static function (Frame $request) use ($big): array {
                return match ($request->name) {
                    'plain' => [0, 'héllo/wörld'],
                    'serialize' => [Flags::SERIALIZE, serialize(['ok' => true, 'n' => 2.5])],
                    'json' => [Flags::JSON, '{"list":[1,"a"],"map":{"k":null}}'],
                    'fail' => [Flags::FAILED, 'java.lang.IllegalArgumentException: bad input'],
                    'big' => [Flags::SERIALIZE, serialize(['size' => strlen($request->value()), 'back' => $big])],
                    default => [Flags::FAILED, 'unknown'],
                };
            }, 5);
        });
        $client = $this->closeLater(new TaskClient($key, $wire, tmpdir: $dir));
        self::assertSame('héllo/wörld', $client->call('x', name: 'plain'));
        $this->trackQueueKey((int) $client->replyKey());
        self::assertSame(['ok' => true, 'n' => 2.5], $client->call('x', name: 'serialize'));
        self::assertSame(['list' => [1, 'a'], 'map' => ['k' => null]], $client->call('x', name: 'json'));
        try {
            $client->call('x', name: 'fail');
            self::fail('the handler failed');
        } catch (TaskFailedException $e) {
            self::assertSame('java.lang.IllegalArgumentException: bad input', $e->getMessage());
            self::assertSame(4, $e->taskId);
        }
        self::assertSame(['size' => 30000, 'back' => $big], $client->call(str_repeat('y', 30000), name: 'big'));
        self::assertSame([], self::filesIn($dir), 'both spill files were consumed and removed');
    }

    public function testSeveralCallsInFlight(): void
    {
        [$key, $queue] = $this->newQueue();
        $this->fork(static function () use ($queue): void {
            $worker = new FakeWorker(new FrameCodec(), $queue);
            $requests = [$worker->take(), $worker->take(), $worker->take()];
            foreach (array_reverse($requests) as $request) {
                $worker->reply($request, 0, 'result of ' . $request->payload);
            }
        });
        $client = $this->closeLater(new TaskClient($key));
        $a = $client->submit('a');
        $b = $client->submit('b');
        $c = $client->submit('c');
        $this->trackQueueKey((int) $client->replyKey());
        self::assertSame([1, 2, 3], [$a, $b, $c]);
        self::assertSame('result of a', $client->wait($a));
        self::assertSame('result of c', $client->wait($c));
        self::assertSame('result of b', $client->wait($b));
        $this->expectException(ClientException::class);
        $client->wait($b, 0.0);
    }

    public function testTimeoutKeepsTheQueueUntilCloseWhichCleansLateReplies(): void
    {
        $dir = $this->newTmpDir();
        [$key, $queue] = $this->newQueue();
        $client = $this->closeLater(new TaskClient($key, tmpdir: $dir));
        $start = microtime(true);
        try {
            $client->call('nobody listens', timeout: 0.2);
            self::fail('no worker');
        } catch (TaskTimeoutException $e) {
            self::assertSame(1, $e->taskId);
            self::assertStringContainsString('within 0.2 s', $e->getMessage());
        }
        $elapsed = microtime(true) - $start;
        self::assertGreaterThanOrEqual(0.2, $elapsed);
        self::assertLessThan(1.0, $elapsed);
        $replyKey = (int) $client->replyKey();
        $this->trackQueueKey($replyKey);
        self::assertTrue(msg_queue_exists($replyKey));

        // the worker answers late, with a spilled reply
        $worker = new FakeWorker(new FrameCodec(WireFormat::SWOOLE_17, $dir), $queue);
        $request = $worker->take(1.0);
        self::assertNotNull($request);
        $worker->reply($request, 0, str_repeat('late', 3000));
        self::assertCount(1, self::filesIn($dir));

        $client->close();
        self::assertFalse(msg_queue_exists($replyKey));
        self::assertSame([], self::filesIn($dir), 'the late reply\'s spill file is removed with the queue');
    }

    public function testDestructorRemovesTheReplyQueue(): void
    {
        [$key] = $this->newQueue();
        $client = new TaskClient($key);
        try {
            $client->call('x', timeout: 0.0);
        } catch (TaskTimeoutException) {
        }
        $replyKey = (int) $client->replyKey();
        $this->trackQueueKey($replyKey);
        self::assertTrue(msg_queue_exists($replyKey));
        unset($client);
        self::assertFalse(msg_queue_exists($replyKey));
    }

    public function testReplyQueueFollowsTheTaskQueuesPermissions(): void
    {
        [$key, $queue] = $this->newQueue(0620);
        self::assertTrue(msg_set_queue($queue, ['msg_perm.gid' => 4343]));
        $client = $this->closeLater(new TaskClient($key));
        $id = $client->submit('x');
        $this->trackQueueKey((int) $client->replyKey());
        $stat = msg_stat_queue(msg_get_queue((int) $client->replyKey()));
        self::assertSame([0620, 4343], [$stat['msg_perm.mode'] & 0777, $stat['msg_perm.gid']]);
        self::assertSame(1, $id);
    }

    public function testCallTimesOutWhileTheTaskQueueStaysFull(): void
    {
        $dir = $this->newTmpDir();
        [$key, $queue] = $this->newQueue();
        self::assertTrue(msg_set_queue($queue, ['msg_qbytes' => 100]));
        $client = $this->closeLater(new TaskClient($key, tmpdir: $dir));
        $client->dispatch(str_repeat('f', 80));
        $this->expectException(TaskTimeoutException::class);
        try {
            $client->call(str_repeat('y', 9000), timeout: 0.1);
        } finally {
            $this->trackQueueKey((int) $client->replyKey());
            self::assertSame([], self::filesIn($dir));
        }
    }

    /** @return array{0: int, 1: string} */
    private static function receive(\SysvMessageQueue $queue): array
    {
        self::assertTrue(msg_receive($queue, 0, $mtype, 65536, $message, false, MSG_IPC_NOWAIT), 'a message is queued');
        return [$mtype, $message];
    }

    /** @return array<string, array{WireFormat}> */
    public static function layouts(): array
    {
        return ['swoole-1.7' => [WireFormat::SWOOLE_17]] + self::dataHeadLayouts();
    }

    /** @return array<string, array{WireFormat}> */
    public static function dataHeadLayouts(): array
    {
        return ['swoole-4.8' => [WireFormat::SWOOLE_48], 'swoole-6.1' => [WireFormat::SWOOLE_61]];
    }
}
