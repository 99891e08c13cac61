<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests\Support;

use PHPUnit\Framework\TestCase;

/**
 * Base of tests that make System V queues, spill files or child processes: everything made through these
 * helpers is removed in tearDown, whether the test passed or not.
 */
abstract class IpcTestCase extends TestCase
{
    /** @var array<int, true> queue keys to remove */
    private array $queueKeys = [];
    /** @var list<string> */
    private array $files = [];
    /** @var list<string> */
    private array $dirs = [];
    /** @var list<int> */
    private array $children = [];
    /** @var list<object> objects to close() */
    private array $closeables = [];

    protected function tearDown(): void
    {
        // children first, so that none touches a queue after it is removed
        foreach ($this->children as $pid) {
            posix_kill($pid, SIGKILL);
            pcntl_waitpid($pid, $status);
        }
        foreach ($this->closeables as $object) {
            try {
                $object->close();
            } catch (\Throwable) {
            }
        }
        foreach (array_keys($this->queueKeys) as $key) {
            if (msg_queue_exists($key)) {
                $queue = msg_get_queue($key);
                if ($queue !== false) {
                    msg_remove_queue($queue);
                }
            }
        }
        foreach ($this->files as $file) {
            if (is_file($file) || is_link($file)) {
                @unlink($file);
            }
        }
        foreach (array_reverse($this->dirs) as $dir) {
            self::removeTree($dir);
        }
        $this->queueKeys = $this->files = $this->dirs = $this->children = $this->closeables = [];
        parent::tearDown();
    }

    /**
     * A new queue with a random key that did not exist.
     *
     * @return array{0: int, 1: \SysvMessageQueue}
     */
    protected function newQueue(int $mode = 0600): array
    {
        do {
            $key = random_int(0x10000000, 0x7FFFFFFF);
        } while (msg_queue_exists($key));
        $this->queueKeys[$key] = true;
        $queue = msg_get_queue($key, $mode);
        self::assertNotFalse($queue);
        return [$key, $queue];
    }

    /** A random key with no queue. */
    protected function unusedKey(): int
    {
        do {
            $key = random_int(0x10000000, 0x7FFFFFFF);
        } while (msg_queue_exists($key));
        return $key;
    }

    /** Removes the queue with $key in tearDown if it still exists (e.g. a reply queue learned from a request). */
    protected function trackQueueKey(int $key): void
    {
        $this->queueKeys[$key] = true;
    }

    /** A fresh private directory, removed with its content in tearDown. */
    protected function newTmpDir(): string
    {
        $dir = sys_get_temp_dir() . '/swoole-task-php-test.' . bin2hex(random_bytes(6));
        self::assertTrue(mkdir($dir, 0700));
        $this->dirs[] = $dir;
        return $dir;
    }

    protected function trackFile(string $path): void
    {
        $this->files[] = $path;
    }

    /** @template T of object @param T $object @return T */
    protected function closeLater(object $object): object
    {
        $this->closeables[] = $object;
        return $object;
    }

    /**
     * Forks a child that runs $body and then kills itself (no PHPUnit shutdown, no destructors in the child).
     */
    protected function fork(callable $body): int
    {
        $pid = pcntl_fork();
        self::assertNotSame(-1, $pid, 'fork failed');
        if ($pid === 0) {
            try {
                $body();
            } catch (\Throwable $e) {
                fwrite(STDERR, 'child failed: ' . $e->getMessage() . "\n");
            } finally {
                posix_kill(posix_getpid(), SIGKILL);
            }
        }
        $this->children[] = $pid;
        return $pid;
    }

    /** Files left in $dir. @return list<string> */
    protected static function filesIn(string $dir): array
    {
        return array_values(array_diff(scandir($dir) ?: [], ['.', '..']));
    }

    private static function removeTree(string $path): void
    {
        if (is_link($path) || is_file($path)) {
            @unlink($path);
            return;
        }
        if (!is_dir($path)) {
            return;
        }
        foreach (array_diff(scandir($path) ?: [], ['.', '..']) as $entry) {
            self::removeTree($path . '/' . $entry);
        }
        @rmdir($path);
    }
}
