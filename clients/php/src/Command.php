<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * The `swoole-task` command:
 *
 *     swoole-task post --key KEY [--worker N] [--name NAME] [--wire FORMAT] [--serialize] DATA
 *     swoole-task call --key KEY [--name NAME] [--timeout SECONDS] [--wire FORMAT] [--serialize] DATA
 *
 * plus --mtype-offset N and --tmpdir DIR for both; --redis HOST[:PORT] [--stream NAME] instead of --key posts to a
 * Redis stream (phpredis). Exit codes: 0 ok, 1 handler failed, 2 usage or other error, 3 no result within the
 * timeout.
 */
final class Command
{
    public const OK = 0;
    public const FAILED = 1;
    public const ERROR = 2;
    public const TIMEOUT = 3;

    private const USAGE = <<<'TXT'
        usage: swoole-task post --key KEY [--worker N] [--name NAME] [--wire FORMAT] [--serialize] DATA
               swoole-task call --key KEY [--name NAME] [--timeout SECONDS] [--wire FORMAT] [--serialize] DATA
        common options: --mtype-offset N (default 2), --tmpdir DIR (default /tmp)
        KEY is decimal or 0x-hex; FORMAT is swoole-1.7 (default), swoole-4.8 or swoole-6.1;
        --serialize: DATA is JSON, sent as PHP serialize() of its value; DATA - reads standard input.
        Redis Streams: --redis HOST[:PORT] (default port 6379) [--stream NAME] (default swoole-task) instead of
        --key, with phpredis; --worker N then posts to stream NAME:worker:N; a password comes from REDISCLI_AUTH.
        TXT;

    private const VALUE_OPTIONS = [
        'post' => ['key', 'worker', 'name', 'wire', 'mtype-offset', 'tmpdir', 'redis', 'stream'],
        'call' => ['key', 'name', 'timeout', 'wire', 'mtype-offset', 'tmpdir', 'redis', 'stream'],
    ];

    private TaskClient|RedisTaskClient|null $client = null;

    /** @param resource $stdin @param resource $stdout @param resource $stderr */
    public function __construct(private $stdin = STDIN, private $stdout = STDOUT, private $stderr = STDERR)
    {
    }

    /**
     * Runs the command line $args (without the program name) and returns the exit code.
     *
     * @param list<string> $args
     */
    public function run(array $args): int
    {
        try {
            return $this->execute($args);
        } catch (UsageException $e) {
            $this->error($e->getMessage() . "\n" . self::USAGE);
            return self::ERROR;
        } catch (TaskTimeoutException $e) {
            $this->error($e->getMessage());
            return self::TIMEOUT;
        } catch (\Throwable $e) {
            $this->error($e->getMessage());
            return self::ERROR;
        } finally {
            $this->close();
        }
    }

    /** Removes the reply queue, if any (also called from signal handlers and shutdown). */
    public function close(): void
    {
        $client = $this->client;
        $this->client = null;
        $client?->close();
    }

    /** @param list<string> $args */
    private function execute(array $args): int
    {
        $verb = array_shift($args);
        if ($verb === '--help' || $verb === '-h' || $verb === 'help') {
            fwrite($this->stdout, self::USAGE . "\n");
            return self::OK;
        }
        if (!isset(self::VALUE_OPTIONS[$verb])) {
            throw new UsageException($verb === null ? 'missing command' : sprintf('unknown command "%s"', $verb));
        }
        [$options, $data] = $this->parse($verb, $args);
        if (isset($options['key']) === isset($options['redis'])) {
            throw new UsageException(isset($options['key']) ? '--key and --redis exclude each other'
                : '--key (a System V queue) or --redis (a Redis stream) is required');
        }
        if (isset($options['redis']) && (isset($options['mtype-offset']) || isset($options['tmpdir']))) {
            throw new UsageException('--mtype-offset and --tmpdir are for System V queues, not --redis');
        }
        if (isset($options['stream']) && !isset($options['redis'])) {
            throw new UsageException('--stream needs --redis');
        }
        $serialize = isset($options['serialize']);
        $name = $options['name'] ?? null;
        if ($name !== null) {
            FrameCodec::checkName($name);
        }
        if ($data === '-') {
            $data = stream_get_contents($this->stdin);
            if ($data === false) {
                throw new ClientException('cannot read standard input');
            }
        }
        $value = $data;
        if ($serialize) {
            try {
                $value = json_decode($data, true, 512, JSON_THROW_ON_ERROR);
            } catch (\JsonException $e) {
                throw new UsageException('--serialize needs DATA in JSON: ' . $e->getMessage());
            }
        }
        $wire = WireFormat::fromName($options['wire'] ?? WireFormat::SWOOLE_17->value);
        $this->client = isset($options['redis'])
            ? new RedisTaskClient(self::connect($options['redis']), $options['stream'] ?? 'swoole-task', $wire)
            : new TaskClient(
                self::parseKey($options['key']),
                $wire,
                isset($options['mtype-offset']) ? self::parseInt($options['mtype-offset'], 'mtype-offset', 1) : 2,
                $options['tmpdir'] ?? '/tmp',
            );
        if ($verb === 'post') {
            $worker = isset($options['worker']) ? self::parseInt($options['worker'], 'worker', 0) : null;
            fwrite($this->stdout, $this->client->dispatch($value, $worker, $name, $serialize) . "\n");
            return self::OK;
        }
        $timeout = isset($options['timeout']) ? self::parseTimeout($options['timeout']) : 5.0;
        $start = hrtime(true);
        $taskId = $this->client instanceof TaskClient ? $this->client->submit($value, $name, $serialize, null, $timeout)
            : $this->client->submit($value, $name, $serialize);
        try {
            $reply = $this->client->receive($taskId, max(0.0, $timeout - (hrtime(true) - $start) / 1e9));
        } catch (TaskTimeoutException) {
            // the message names the timeout asked for, not what was left of it after the send
            throw new TaskTimeoutException($taskId, $timeout);
        }
        if ($reply->failed()) {
            // the handler's error text as is (no prefix), for scripts that show it
            fwrite($this->stderr, ($reply->payload === '' ? sprintf('task %d failed', $taskId) : rtrim($reply->payload, "\n")) . "\n");
            return self::FAILED;
        }
        // JSON replies keep {} as {} (objects, not assoc arrays) when re-encoded.
        $result = $reply->value(!$reply->has(Flags::JSON));
        $json = json_encode($result, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        if ($json === false) {
            throw new ClientException('cannot print the result as JSON: ' . json_last_error_msg());
        }
        fwrite($this->stdout, $json . "\n");
        return self::OK;
    }

    /**
     * @param list<string> $args
     * @return array{0: array<string, string|true>, 1: string}
     */
    private function parse(string $verb, array $args): array
    {
        $options = [];
        $positional = [];
        for ($i = 0, $n = count($args); $i < $n; $i++) {
            $arg = $args[$i];
            if ($arg === '--') {
                array_push($positional, ...array_slice($args, $i + 1));
                break;
            }
            if (!str_starts_with($arg, '--')) {
                $positional[] = $arg;
                continue;
            }
            $opt = substr($arg, 2);
            $value = null;
            if (str_contains($opt, '=')) {
                [$opt, $value] = explode('=', $opt, 2);
            }
            if ($opt === 'serialize' && $value === null) {
                $options['serialize'] = true;
            } elseif (in_array($opt, self::VALUE_OPTIONS[$verb], true)) {
                if ($value === null) {
                    if ($i + 1 >= $n) {
                        throw new UsageException(sprintf('--%s needs a value', $opt));
                    }
                    $value = $args[++$i];
                }
                $options[$opt] = $value;
            } else {
                throw new UsageException(sprintf('unknown option --%s for %s', $opt, $verb));
            }
        }
        if (count($positional) !== 1) {
            throw new UsageException(count($positional) === 0 ? 'missing DATA' : 'exactly one DATA argument is expected');
        }
        return [$options, $positional[0]];
    }

    /** A key in decimal or 0x-hex. */
    public static function parseKey(string $text): int
    {
        if (preg_match('/^0[xX]([0-9a-fA-F]{1,8})$/', $text, $m) === 1) {
            $key = (int) hexdec($m[1]);
        } elseif (preg_match('/^-?[0-9]{1,10}$/', $text) === 1) {
            $key = (int) $text;
        } else {
            throw new UsageException(sprintf('bad key "%s" (decimal or 0x-hex)', $text));
        }
        if ($key === 0 || $key < -0x80000000 || $key > 0xFFFFFFFF) {
            throw new UsageException(sprintf('bad key "%s" (a non-zero 32-bit key)', $text));
        }
        return $key;
    }

    /** A phpredis connection to HOST[:PORT] (port 6379 by default; [v6]:PORT for an IPv6 address). */
    private static function connect(string $address): \Redis
    {
        if (preg_match('/^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+))(?::([0-9]{1,5}))?$/', $address, $m) !== 1
            || (isset($m[3]) && ((int) $m[3] < 1 || (int) $m[3] > 65535))) {
            throw new UsageException(sprintf('bad --redis "%s" (HOST or HOST:PORT)', $address));
        }
        if (!class_exists(\Redis::class)) {
            throw new ClientException('--redis needs phpredis (apt-get install php8.2-redis, or pecl install redis)');
        }
        $host = $m[1] !== '' ? $m[1] : $m[2];
        $port = isset($m[3]) ? (int) $m[3] : 6379;
        $redis = new \Redis();
        try {
            if (!$redis->connect($host, $port, 5.0)) {
                throw new ClientException(sprintf('cannot connect to Redis at %s:%d', $host, $port));
            }
        } catch (\RedisException $e) {
            throw new ClientException(sprintf('cannot connect to Redis at %s:%d: %s', $host, $port, $e->getMessage()),
                0, $e);
        }
        // the password from the environment, as redis-cli takes it (never from the command line)
        $password = getenv('REDISCLI_AUTH');
        try {
            if (is_string($password) && $password !== '') {
                if (!$redis->auth($password)) {
                    throw new \RedisException((string) $redis->getLastError());
                }
            } else {
                $redis->ping();
            }
        } catch (\RedisException $e) {
            throw new ClientException(is_string($password) && $password !== ''
                ? sprintf('Redis at %s:%d refused the password in REDISCLI_AUTH: %s', $host, $port, $e->getMessage())
                : sprintf('Redis at %s:%d: %s (a password goes in REDISCLI_AUTH)', $host, $port, $e->getMessage()),
                0, $e);
        }
        return $redis;
    }

    private static function parseInt(string $text, string $option, int $min): int
    {
        if (preg_match('/^[0-9]{1,9}$/', $text) !== 1 || (int) $text < $min) {
            throw new UsageException(sprintf('--%s needs an integer of at least %d', $option, $min));
        }
        return (int) $text;
    }

    private static function parseTimeout(string $text): float
    {
        if (!is_numeric($text) || (float) $text < 0 || !is_finite((float) $text)) {
            throw new UsageException('--timeout needs a number of seconds');
        }
        return (float) $text;
    }

    private function error(string $message): void
    {
        fwrite($this->stderr, 'swoole-task: ' . rtrim($message, "\n") . "\n");
    }
}
