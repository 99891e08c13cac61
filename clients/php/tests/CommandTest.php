<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests;

use SwooleTask\Client\Flags;
use SwooleTask\Client\Frame;
use SwooleTask\Client\FrameCodec;
use SwooleTask\Client\Tests\Support\FakeWorker;
use SwooleTask\Client\Tests\Support\IpcTestCase;
use SwooleTask\Client\Tests\Support\RedisServer;
use SwooleTask\Client\WireFormat;

/** bin/swoole-task as a process: output and exit codes 0, 1, 2, 3, with the fake worker in this test. */
final class CommandTest extends IpcTestCase
{
    private const BIN = __DIR__ . '/../bin/swoole-task';

    /** @var list<resource> */
    private array $processes = [];
    /** @var array<int, array<int, resource>> */
    private array $pipes = [];

    protected function tearDown(): void
    {
        // SIGTERM first: the command removes its reply queue before it exits
        foreach ($this->processes as $process) {
            if (is_resource($process) && proc_get_status($process)['running']) {
                proc_terminate($process, SIGTERM);
                for ($i = 0; $i < 200 && proc_get_status($process)['running']; $i++) {
                    usleep(10000);
                }
                proc_terminate($process, SIGKILL);
            }
            foreach ($this->pipes[(int) $process] ?? [] as $pipe) {
                if (is_resource($pipe)) {
                    fclose($pipe);
                }
            }
            if (is_resource($process)) {
                proc_close($process);
            }
        }
        $this->processes = $this->pipes = [];
        parent::tearDown();
    }

    public function testPostPrintsTheTaskId(): void
    {
        [$key, $queue] = $this->newQueue();
        self::assertSame([0, "1\n", ''], $this->runCommand(['post', '--key', (string) $key, 'Hello from PHP!']));
        self::assertSame([0, "1\n", ''], $this->runCommand(['post', '--key', sprintf('0x%x', $key), '--worker', '2', '--name', 'mail',
            '--wire', 'swoole-6.1', '--', '--data-with-dashes']));
        self::assertSame([0, "1\n", ''], $this->runCommand(['post', '--key=' . $key, '--serialize', '--mtype-offset=5', '{"a":[1,2.5,"x"]}']));

        self::assertTrue(msg_receive($queue, 0, $mtype, 65536, $message, false, MSG_IPC_NOWAIT));
        self::assertSame([2, pack('lSsCCS', 1, 15, 0, 7, 0, 4) . 'Hello from PHP!'], [$mtype, $message]);

        self::assertTrue(msg_receive($queue, 0, $mtype, 65536, $message, false, MSG_IPC_NOWAIT));
        $frame = (new FrameCodec(WireFormat::SWOOLE_61))->decode($message);
        self::assertSame([4, 8, 132 | Flags::ROUTED, 'mail', '--data-with-dashes'],
            [$mtype, $frame->type, $frame->flags, $frame->name, $frame->payload]);

        self::assertTrue(msg_receive($queue, 0, $mtype, 65536, $message, false, MSG_IPC_NOWAIT));
        $frame = (new FrameCodec())->decode($message);
        self::assertSame([5, Flags::NONBLOCK | Flags::SERIALIZE, ['a' => [1, 2.5, 'x']]], [$mtype, $frame->flags, $frame->value()]);
    }

    public function testPostReadsStandardInputAndSpills(): void
    {
        $dir = $this->newTmpDir();
        [$key, $queue] = $this->newQueue();
        $big = str_repeat("line\n", 3000);
        self::assertSame([0, "1\n", ''], $this->runCommand(['post', '--key', (string) $key, '--tmpdir', $dir, '-'], $big));
        self::assertTrue(msg_receive($queue, 0, $mtype, 65536, $message, false, MSG_IPC_NOWAIT));
        self::assertSame(Flags::TMPFILE | Flags::NONBLOCK, unpack('S', $message, 10)[1]);
        self::assertSame($big, (new FrameCodec(WireFormat::SWOOLE_17, $dir))->decode($message)->payload);
    }

    /** @dataProvider layouts */
    public function testCallPrintsTheResultAsOneJsonLine(string $wire): void
    {
        [$key, $queue] = $this->newQueue();
        $worker = new FakeWorker(new FrameCodec(WireFormat::from($wire)), $queue);
        $cases = [
            [[Flags::JSON, '{"x":[1,2],"o":{},"s":"a/é"}'], '{"x":[1,2],"o":{},"s":"a/é"}'],
            [[0, 'plain/ü "quoted"'], '"plain/ü \"quoted\""'],
            [[Flags::SERIALIZE, serialize(['n' => 3, 'l' => [true, null, 1.5]])], '{"n":3,"l":[true,null,1.5]}'],
            [[Flags::SERIALIZE, serialize([1, 2])], '[1,2]'],
        ];
        foreach ($cases as [$answer, $expected]) {
            $process = $this->start(['call', '--key', (string) $key, '--wire', $wire, '--name', 'job', 'payload']);
            $seen = $worker->serve(static fn (): array => $answer);
            self::assertCount(1, $seen);
            $this->trackQueueKey((int) $seen[0]->replyKey);
            self::assertSame([0, $expected . "\n", ''], $this->finish($process));
            self::assertSame(['job', 'payload', 2], [$seen[0]->name, $seen[0]->payload, $worker->lastMtype]);
            self::assertFalse(msg_queue_exists((int) $seen[0]->replyKey), 'the command removed its reply queue');
        }
    }

    public function testCallSerializeFromStandardInput(): void
    {
        [$key, $queue] = $this->newQueue();
        $worker = new FakeWorker(new FrameCodec(WireFormat::SWOOLE_48), $queue);
        $process = $this->start(['call', '--key', (string) $key, '--wire', 'swoole-4.8', '--serialize', '-'], '{"a":1,"b":[2,3]}');
        $seen = $worker->serve(static fn (Frame $request): array => [Flags::SERIALIZE, serialize(array_sum($request->value()['b']))]);
        $this->trackQueueKey((int) $seen[0]->replyKey);
        self::assertSame([0, "5\n", ''], $this->finish($process));
        self::assertSame(Flags::SERIALIZE | Flags::REPLY_TO | Flags::NOREPLY, $seen[0]->flags);
    }

    public function testFailedHandlerExitsOne(): void
    {
        [$key, $queue] = $this->newQueue();
        $worker = new FakeWorker(new FrameCodec(), $queue);
        $process = $this->start(['call', '--key', (string) $key, 'x']);
        $seen = $worker->serve(static fn (): array => [Flags::FAILED, 'IllegalStateException: out of stock']);
        $this->trackQueueKey((int) $seen[0]->replyKey);
        self::assertSame([1, '', "IllegalStateException: out of stock\n"], $this->finish($process));
        self::assertFalse(msg_queue_exists((int) $seen[0]->replyKey));
    }

    public function testNoResultWithinTheTimeoutExitsThree(): void
    {
        [$key, $queue] = $this->newQueue();
        $worker = new FakeWorker(new FrameCodec(), $queue);
        $start = microtime(true);
        $process = $this->start(['call', '--key', (string) $key, '--timeout', '0.3', 'x']);
        $request = $worker->take(); // taken, never answered
        self::assertNotNull($request);
        $this->trackQueueKey((int) $request->replyKey);
        [$code, $out, $err] = $this->finish($process);
        self::assertSame([3, ''], [$code, $out]);
        self::assertStringContainsString('no result for task 1 within 0.3 s', $err);
        self::assertGreaterThanOrEqual(0.3, microtime(true) - $start);
        self::assertFalse(msg_queue_exists((int) $request->replyKey), 'the reply queue is removed on timeout too');
    }

    public function testInterruptedCallRemovesItsReplyQueue(): void
    {
        if (!function_exists('pcntl_signal')) {
            self::markTestSkipped('needs pcntl');
        }
        [$key, $queue] = $this->newQueue();
        $process = $this->start(['call', '--key', (string) $key, '--timeout', '30', 'x']);
        $request = (new FakeWorker(new FrameCodec(), $queue))->take();
        self::assertNotNull($request);
        $this->trackQueueKey((int) $request->replyKey);
        self::assertTrue(msg_queue_exists((int) $request->replyKey));
        proc_terminate($process, SIGTERM);
        [$code] = $this->finish($process);
        self::assertSame(128 + SIGTERM, $code);
        self::assertFalse(msg_queue_exists((int) $request->replyKey));
    }

    public function testErrorsExitTwo(): void
    {
        [$key] = $this->newQueue();
        $missing = $this->unusedKey();
        [$code, $out, $err] = $this->runCommand(['call', '--key', (string) $missing, 'x']);
        self::assertSame([2, ''], [$code, $out]);
        self::assertStringContainsString('not running or the key is wrong', $err);
        self::assertFalse(msg_queue_exists($missing));

        foreach ([
            [],
            ['send', '--key', (string) $key, 'x'],
            ['post', 'x'],
            ['post', '--key', 'abc', 'x'],
            ['post', '--key', '0', 'x'],
            ['post', '--key', (string) $key],
            ['post', '--key', (string) $key, 'x', 'y'],
            ['post', '--key', (string) $key, '--timeout', '1', 'x'],
            ['call', '--key', (string) $key, '--worker', '1', 'x'],
            ['post', '--key', (string) $key, '--wire', 'swoole-2', 'x'],
            ['post', '--key', (string) $key, '--worker', '-1', 'x'],
            ['post', '--key', (string) $key, '--name', '', 'x'],
            ['post', '--key', (string) $key, '--serialize', '{not json'],
            ['call', '--key', (string) $key, '--timeout', 'soon', 'x'],
            ['post', '--key', (string) $key, '--tmpdir', '/nonexistent', str_repeat('x', 9000)],
            ['post', '--key'],
            ['post', '--key', (string) $key, '--redis', '127.0.0.1', 'x'],
            ['post', '--key', (string) $key, '--stream', 'orders', 'x'],
            ['post', '--redis', '127.0.0.1', '--tmpdir', '/tmp', 'x'],
            ['post', '--redis', '127.0.0.1:99999', 'x'],
            ['post', '--redis', 'a:b:c', 'x'],
            ['call', '--redis', '127.0.0.1:1', 'x'],
        ] as $args) {
            [$code, $out, $err] = $this->runCommand($args);
            self::assertSame([2, ''], [$code, $out], implode(' ', $args));
            self::assertNotSame('', $err, implode(' ', $args));
        }
        self::assertSame(0, msg_stat_queue(msg_get_queue($key))['msg_qnum'], 'nothing was posted');
    }

    public function testRedisTakesThePasswordFromTheEnvironmentAsRedisCliDoes(): void
    {
        $server = $this->closeLater(RedisServer::start($this->newTmpDir(), 'sesame'));
        $address = '127.0.0.1:' . $server->port;
        [$code, , $err] = $this->runCommand(['post', '--redis', $address, '--stream', 'orders', 'x']);
        self::assertSame(2, $code);
        self::assertStringContainsString('NOAUTH', $err);
        [$code, , $err] = $this->runCommand(['post', '--redis', $address, 'x'], '', ['REDISCLI_AUTH' => 'wrong']);
        self::assertSame(2, $code);
        self::assertStringContainsString('refused the password in REDISCLI_AUTH', $err);
        [$code, $out] = $this->runCommand(['post', '--redis', $address, '--stream', 'orders', '--name', 'mail', 'y'],
            '', ['REDISCLI_AUTH' => 'sesame']);
        self::assertSame([0, "1\n"], [$code, $out]);
        $redis = $server->connect();
        $redis->auth('sesame');
        $entries = array_values($redis->xRange('orders', '-', '+'));
        self::assertCount(1, $entries);
        $frame = (new FrameCodec(WireFormat::SWOOLE_17))->decode($entries[0]['frame']);
        self::assertSame(['mail', 'y'], [$frame->name, $frame->payload]);
    }

    public function testHelp(): void
    {
        [$code, $out] = $this->runCommand(['--help']);
        self::assertSame(0, $code);
        self::assertStringContainsString('swoole-task call --key KEY', $out);
        self::assertStringContainsString('--redis HOST[:PORT]', $out);
    }

    /** @return array<string, array{string}> */
    public static function layouts(): array
    {
        return ['swoole-1.7' => ['swoole-1.7'], 'swoole-4.8' => ['swoole-4.8'], 'swoole-6.1' => ['swoole-6.1']];
    }

    /**
     * @param list<string> $args
     * @return array{0: int, 1: string, 2: string} exit code, stdout, stderr
     */
    private function runCommand(array $args, string $stdin = '', ?array $env = null): array
    {
        return $this->finish($this->start($args, $stdin, $env));
    }

    /**
     * @param list<string>               $args
     * @param array<string, string>|null $env  variables to add to this process's environment
     * @return resource
     */
    private function start(array $args, string $stdin = '', ?array $env = null)
    {
        $process = proc_open([PHP_BINARY, self::BIN, ...$args], [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes,
            null, $env === null ? null : getenv() + $env);
        self::assertIsResource($process);
        $this->processes[] = $process;
        fwrite($pipes[0], $stdin);
        fclose($pipes[0]);
        $this->pipes[(int) $process] = $pipes;
        return $process;
    }

    /** @param resource $process @return array{0: int, 1: string, 2: string} */
    private function finish($process): array
    {
        $pipes = $this->pipes[(int) $process];
        unset($this->pipes[(int) $process]);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $code = proc_close($process);
        return [$code, $out, $err];
    }
}
