<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests\Integration;

use SwooleTask\Client\FrameCodec;
use SwooleTask\Client\TaskClient;
use SwooleTask\Client\TaskFailedException;
use SwooleTask\Client\WireFormat;
use SwooleTask\Client\Tests\Support\IpcTestCase;

/**
 * The client against a running sample app (its `echo`, `thumbnail` and `thumbnail.made` handlers), in every layout.
 * Skipped unless SWOOLE_TASK_KEY (the app's queue key) and SWOOLE_TASK_URL (its base URL, for the actuator and the
 * handlers' recent lines) are set: the sample app's PhpClientIntegrationTests starts the app and runs this suite.
 */
final class SampleAppTest extends IpcTestCase
{
    private const SIZES = [0, 1, 27, 100, 8151, 8152, 8153, 8179, 8180, 8181, 20000, 100000];

    private int $key;
    private string $url;

    protected function setUp(): void
    {
        $key = getenv('SWOOLE_TASK_KEY');
        $url = getenv('SWOOLE_TASK_URL');
        if ($key === false || $url === false) {
            self::markTestSkipped('no running app: SWOOLE_TASK_KEY and SWOOLE_TASK_URL are not set');
        }
        $this->key = intval($key, 0);
        $this->url = rtrim($url, '/');
    }

    /** @return list<array{0: string}> */
    public static function layouts(): array
    {
        return [['swoole-1.7'], ['swoole-4.8'], ['swoole-6.1']];
    }

    private function client(string $wire): TaskClient
    {
        $client = new TaskClient($this->key, $wire);
        $this->closeLater($client);
        return $client;
    }

    /** @dataProvider layouts */
    public function testTextOfEverySizeComesBackIntact(string $wire): void
    {
        $client = $this->client($wire);
        foreach (self::SIZES as $size) {
            $text = substr(str_repeat(bin2hex(random_bytes(64)), intdiv($size, 128) + 1), 0, $size);
            self::assertSame($text, $client->call($text, name: 'echo', timeout: 10.0), "$wire, $size bytes");
        }
    }

    /** @dataProvider layouts */
    public function testArraysComeBackAsArrays(string $wire): void
    {
        $client = $this->client($wire);
        $small = [1, 'two', ['k' => 3.5], [], null, true];
        self::assertSame($small, $client->call($small, name: 'echo'));
        $big = [];
        for ($i = 0; $i < 3000; $i++) {
            $big['key' . $i] = ['n' => $i, 'text' => str_repeat('x', $i % 17)];
        }
        self::assertGreaterThan(8192, strlen(serialize($big)), 'the array is spilled');
        self::assertSame($big, $client->call($big, name: 'echo', timeout: 10.0));
    }

    /** @dataProvider layouts */
    public function testARecordHandlerTakesAndReturnsArrays(string $wire): void
    {
        $thumbnail = $this->client($wire)->call(['image' => 'cat.png', 'width' => 120], name: 'thumbnail');
        self::assertSame('cat.png', $thumbnail['image']);
        self::assertSame(120, $thumbnail['width']);
        self::assertSame('/var/thumbs/120/cat.png', $thumbnail['path']);
    }

    /** @dataProvider layouts */
    public function testAFailingHandlerGivesItsMessage(string $wire): void
    {
        try {
            $this->client($wire)->call(['image' => 'cat.png', 'width' => 0], name: 'thumbnail');
            self::fail('no failure');
        } catch (TaskFailedException $e) {
            self::assertStringContainsString('width must be positive, was 0', $e->getMessage());
        }
    }

    /** @dataProvider layouts */
    public function testAPayloadThatFailsValidationIsRefusedNamingTheField(string $wire): void
    {
        try {
            $this->client($wire)->call(['image' => '', 'width' => 120], name: 'thumbnail');
            self::fail('no failure');
        } catch (TaskFailedException $e) {
            self::assertStringContainsString('bad-payload: task ', $e->getMessage());
            self::assertStringContainsString('the payload for ThumbnailTasks.thumbnail is not valid: image: ',
                $e->getMessage());
        }
    }

    /** @dataProvider layouts */
    public function testPostedTasksOfEverySizeAreHandled(string $wire): void
    {
        $client = $this->client($wire);
        $before = $this->processed();
        $count = 0;
        foreach (self::SIZES as $size) {
            $client->dispatch(str_repeat('p', $size));
            $client->dispatch(['size' => $size, 'fill' => str_repeat('q', $size)]);
            $count += 2;
        }
        $deadline = microtime(true) + 20;
        while ($this->processed() < $before + $count && microtime(true) < $deadline) {
            usleep(20000);
        }
        self::assertGreaterThanOrEqual($before + $count, $this->processed());
    }

    /** @dataProvider layouts */
    public function testAThumbnailNobodyWaitsForGoesOnToTheNextHandler(string $wire): void
    {
        // the thumbnail handler's @SendTo makes its result a "thumbnail.made" task, whose handler notes it
        $image = 'php-' . $wire . '-' . bin2hex(random_bytes(4)) . '.png';
        $this->client($wire)->dispatch(['image' => $image, 'width' => 33], name: 'thumbnail');
        $made = "made /var/thumbs/33/$image";
        $deadline = microtime(true) + 20;
        while (!$this->recentlyHandled($made) && microtime(true) < $deadline) {
            usleep(20000);
        }
        self::assertTrue($this->recentlyHandled($made), "the thumbnail.made handler noted '$made'");
    }

    public function testTheCommandExitsOneWithTheHandlersError(): void
    {
        [$code, $out, $err] = $this->command(['call', '--key', (string) $this->key, '--name', 'thumbnail', '--serialize',
            '{"image":"x.png","width":-1}']);
        self::assertSame(1, $code, $err);
        self::assertSame('', $out);
        self::assertStringContainsString('width must be positive, was -1', $err);
        [$code, $out] = $this->command(['call', '--key', (string) $this->key, '--name', 'echo', '--wire', 'swoole-6.1',
            '--serialize', '{"a":[1,2]}']);
        self::assertSame(0, $code);
        self::assertSame('{"a":[1,2]}', trim($out));
    }

    public function testTwoCallersAtOnceEachGetTheirOwnResults(): void
    {
        $pids = [];
        foreach (['left', 'right'] as $side) {
            $pid = pcntl_fork();
            if ($pid === 0) {
                $ok = true;
                try {
                    $client = new TaskClient($this->key);
                    for ($i = 0; $i < 200 && $ok; $i++) {
                        $ok = $client->call("$side-$i", name: 'echo', timeout: 10.0) === "$side-$i";
                    }
                    $client->close();
                } catch (\Throwable) {
                    $ok = false;
                }
                exit($ok ? 0 : 1);
            }
            $pids[] = $pid;
        }
        foreach ($pids as $pid) {
            pcntl_waitpid($pid, $status);
            self::assertTrue(pcntl_wifexited($status) && pcntl_wexitstatus($status) === 0, 'a caller saw a wrong result');
        }
    }

    public function testAReplyQueueOfAnotherUserIsRefused(): void
    {
        [$victimKey, $victim] = $this->newQueue(0600);
        self::assertTrue(msg_set_queue($victim, ['msg_perm.uid' => 65534, 'msg_perm.mode' => 0600]));
        $refusedBefore = $this->refused();
        $codec = new FrameCodec(WireFormat::SWOOLE_17);
        $message = $codec->encode(987654, 'please write into the victim', 0, 'echo', $victimKey, 1);
        $queue = msg_get_queue($this->key);
        self::assertTrue(msg_send($queue, 2, $message, false));
        $deadline = microtime(true) + 10;
        while ($this->refused() <= $refusedBefore && microtime(true) < $deadline) {
            usleep(20000);
        }
        self::assertSame($refusedBefore + 1, $this->refused(), 'the reply target was refused and counted');
        usleep(100000);
        self::assertSame(0, msg_stat_queue($victim)['msg_qnum'], 'nothing was written to the victim queue');
    }

    /** @return array{0: int, 1: string, 2: string} */
    private function command(array $args): array
    {
        $bin = dirname(__DIR__, 2) . '/bin/swoole-task';
        $process = proc_open(array_merge([PHP_BINARY, $bin], $args), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        self::assertIsResource($process);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($process), (string) $out, (string) $err];
    }

    private function endpoint(): array
    {
        $json = file_get_contents($this->url . '/actuator/swooletask');
        self::assertNotFalse($json, 'the actuator endpoint answers');
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    /** Whether one of the sample's last handler lines (GET /tasks/recent) starts with $line. */
    private function recentlyHandled(string $line): bool
    {
        $json = file_get_contents($this->url . '/tasks/recent');
        self::assertNotFalse($json, 'the sample app answers');
        foreach (json_decode($json, true, 512, JSON_THROW_ON_ERROR) as $recent) {
            if (str_starts_with($recent, $line)) {
                return true;
            }
        }
        return false;
    }

    private function processed(): int
    {
        return $this->endpoint()['totals']['processed'];
    }

    private function refused(): int
    {
        return $this->endpoint()['totals']['replies']['refused'];
    }
}
