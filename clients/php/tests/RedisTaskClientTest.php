<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests;

use SwooleTask\Client\ClientException;
use SwooleTask\Client\Flags;
use SwooleTask\Client\FrameCodec;
use SwooleTask\Client\RedisTaskClient;
use SwooleTask\Client\TaskFailedException;
use SwooleTask\Client\TaskTimeoutException;
use SwooleTask\Client\Tests\Support\IpcTestCase;
use SwooleTask\Client\Tests\Support\RedisServer;
use SwooleTask\Client\WireFormat;

/**
 * The Redis Streams client against a real redis-server: the entries it adds, and calls answered by a worker forked
 * in this test that reads the stream and adds replies as swoole-task's workers do (task, tag, flags as int32
 * little-endian, payload). The sample app's Java workers answer it in RedisResultsForOtherProgramsIntegrationTests.
 */
final class RedisTaskClientTest extends IpcTestCase
{
    private RedisServer $server;
    private \Redis $redis;

    protected function setUp(): void
    {
        if (!class_exists(\Redis::class)) {
            self::fail('phpredis is needed (apt-get install php8.2-redis; .ci/run installs it)');
        }
        $this->server = $this->closeLater(RedisServer::start($this->newTmpDir()));
        $this->redis = $this->server->connect();
    }

    private function client(string $wire = 'swoole-1.7', ?string $callerId = null): RedisTaskClient
    {
        return $this->closeLater(new RedisTaskClient($this->redis, 'orders', $wire, $callerId));
    }

    public function testDispatchAddsAFrameEntryToTheStreamOrToAWorkersStream(): void
    {
        $client = $this->client();
        self::assertSame(1, $client->dispatch('hello', name: 'greet'));
        self::assertSame(2, $client->dispatch(['a' => 1], worker: 3));
        $entries = array_values($this->redis->xRange('orders', '-', '+'));
        self::assertCount(1, $entries);
        self::assertSame(['frame'], array_keys($entries[0]));
        $frame = (new FrameCodec(WireFormat::SWOOLE_17))->decode($entries[0]['frame']);
        self::assertSame([1, 'greet', 'hello'], [$frame->taskId, $frame->name, $frame->payload]);
        self::assertSame(Flags::NONBLOCK | Flags::ROUTED, $frame->flags);
        $directed = array_values($this->redis->xRange('orders:worker:3', '-', '+'));
        $second = (new FrameCodec(WireFormat::SWOOLE_17))->decode($directed[0]['frame']);
        self::assertSame(['a' => 1], $second->value());
        self::assertTrue($second->has(Flags::SERIALIZE));
    }

    /** @dataProvider layouts */
    public function testACallGetsItsResultFromTheReplyStreamAndLeavesNothing(string $wire): void
    {
        $client = $this->client($wire, 'caller-1');
        $this->worker($wire, 1, static fn (array $request): array => [
            $request['value']['width'] > 0 ? Flags::SERIALIZE : Flags::FAILED,
            $request['value']['width'] > 0 ? serialize(['path' => '/t/' . $request['value']['width']])
                : 'IllegalArgumentException: width must be positive',
        ]);
        self::assertSame(['path' => '/t/64'], $client->call(['width' => 64], name: 'thumbnail', timeout: 10.0));
        self::assertSame('orders:replies:caller-1', $client->replyStream);
        $client->close();
        self::assertSame(0, $this->redis->exists('orders:replies:caller-1'), 'close() deleted the reply stream');
    }

    public function testAFailedHandlerAndNoReplyAtAll(): void
    {
        $client = $this->client();
        $this->worker('swoole-1.7', 1, static fn (): array => [Flags::FAILED, 'IllegalStateException: boom']);
        try {
            $client->call('x', name: 'boom', timeout: 10.0);
            self::fail('no TaskFailedException');
        } catch (TaskFailedException $e) {
            self::assertStringContainsString('IllegalStateException: boom', $e->getMessage());
        }
        $start = microtime(true);
        try {
            $client->call('nobody answers', timeout: 0.3);
            self::fail('no TaskTimeoutException');
        } catch (TaskTimeoutException) {
            self::assertGreaterThanOrEqual(0.3, microtime(true) - $start);
        }
    }

    public function testRepliesThatArriveInAnotherOrderReachTheirOwnTasks(): void
    {
        $client = $this->client();
        $first = $client->submit('one');
        $second = $client->submit('two');
        $this->worker('swoole-1.7', 2, static fn (array $request): array => [0, strtoupper($request['value'])],
            reverse: true);
        self::assertSame('ONE', $client->wait($first, 10.0));
        self::assertSame('TWO', $client->wait($second, 10.0));
        $this->expectException(ClientException::class);
        $client->wait($second);
    }

    public function testDataOverTheShortLayoutsLengthIsRefusedNamingTheOtherLayout(): void
    {
        $this->expectException(ClientException::class);
        $this->expectExceptionMessage('post in swoole-6.1');
        $this->client()->dispatch(str_repeat('x', 70000));
    }

    public function testAConnectionThatWouldChangeTheBytesIsRefused(): void
    {
        $serializing = $this->server->connect();
        $serializing->setOption(\Redis::OPT_SERIALIZER, \Redis::SERIALIZER_PHP);
        try {
            new RedisTaskClient($serializing, 'orders');
            self::fail('no ClientException for OPT_SERIALIZER');
        } catch (ClientException $e) {
            self::assertStringContainsString('OPT_SERIALIZER', $e->getMessage());
        }
        $prefixed = $this->server->connect();
        $prefixed->setOption(\Redis::OPT_PREFIX, 'app:');
        $this->expectException(ClientException::class);
        $this->expectExceptionMessage('prefixes keys with "app:"');
        new RedisTaskClient($prefixed, 'orders');
    }

    /** @return list<array{0: string}> */
    public static function layouts(): array
    {
        return [['swoole-1.7'], ['swoole-6.1']];
    }

    /**
     * Forks a worker that takes $count tasks from the stream and answers each with $answer($request) =
     * [flags, payload], in the order taken or the reverse.
     */
    private function worker(string $wire, int $count, callable $answer, bool $reverse = false): void
    {
        $port = $this->server->port;
        $this->fork(static function () use ($wire, $count, $answer, $reverse, $port): void {
            $redis = new \Redis();
            $redis->connect('127.0.0.1', $port, 5.0);
            $codec = new FrameCodec(WireFormat::fromName($wire));
            $taken = [];
            $last = '0-0';
            while (count($taken) < $count) {
                $read = $redis->xRead(['orders' => $last], 10, 1000) ?: [];
                foreach ($read['orders'] ?? [] as $id => $fields) {
                    $last = $id;
                    $frame = $codec->decode($fields['frame']);
                    if (!$frame->has(Flags::REPLY) || !isset($fields['reply-to'])) {
                        fwrite(STDERR, "a call without REPLY or reply-to\n");
                        continue;
                    }
                    $taken[] = [$frame, $fields['reply-to']];
                }
            }
            foreach ($reverse ? array_reverse($taken) : $taken as [$frame, $replyTo]) {
                [$flags, $payload] = $answer(['value' => $frame->value(), 'name' => $frame->name]);
                $redis->xAdd($replyTo, '*', ['task' => pack('V', $frame->taskId), 'tag' => pack('V', 0),
                    'flags' => pack('V', $flags), 'payload' => $payload]);
            }
        });
    }
}
