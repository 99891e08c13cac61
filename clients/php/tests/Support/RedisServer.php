<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests\Support;

/**
 * A real redis-server (Debian's package) on a free loopback port, in a directory of its own, for one test: start()
 * waits until it accepts connections, close() kills it and deletes its directory (give it to closeLater()).
 */
final class RedisServer
{
    /** @var resource|null */
    private $process = null;
    public readonly int $port;

    private function __construct(private readonly string $dir)
    {
        $this->port = self::freePort();
    }

    /**
     * @param string|null $password a password clients must give (requirepass), or none
     * @throws \RuntimeException when redis-server is missing or does not start
     */
    public static function start(string $dir, ?string $password = null): self
    {
        $server = new self($dir);
        $command = ['redis-server', '--port', (string) $server->port, '--bind', '127.0.0.1', '--dir', $dir,
            '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'];
        if ($password !== null) {
            array_push($command, '--requirepass', $password);
        }
        $log = $dir . '/redis.log';
        $process = @proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'],
            2 => ['file', $log, 'a']], $pipes);
        if ($process === false) {
            throw new \RuntimeException('redis-server is needed (apt-get install redis-server; .ci/run installs it)');
        }
        $server->process = $process;
        $deadline = microtime(true) + 20;
        while (microtime(true) < $deadline) {
            $socket = @fsockopen('127.0.0.1', $server->port, $errno, $error, 0.2);
            if ($socket !== false) {
                fclose($socket);
                return $server;
            }
            if (!proc_get_status($process)['running']) {
                break;
            }
            usleep(20000);
        }
        $server->close();
        throw new \RuntimeException('redis-server did not start: ' . @file_get_contents($log));
    }

    /** A new phpredis connection to it. */
    public function connect(): \Redis
    {
        $redis = new \Redis();
        $redis->connect('127.0.0.1', $this->port, 5.0);
        return $redis;
    }

    public function close(): void
    {
        if ($this->process !== null) {
            proc_terminate($this->process, SIGKILL);
            proc_close($this->process);
            $this->process = null;
        }
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        if ($socket === false) {
            throw new \RuntimeException("no free port: $error");
        }
        $name = stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr((string) $name, strrpos((string) $name, ':') + 1);
    }
}
