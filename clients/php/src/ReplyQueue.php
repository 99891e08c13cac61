<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * A caller's own System V queue for replies: random non-zero 31-bit key, permissions derived from the task
 * queue's, removed by remove() (only by the process that created it).
 */
final class ReplyQueue
{
    private const ENOMSG = 42;
    private const EINTR = 4;
    private const E2BIG = 7;
    private const MIN_SLEEP_US = 50;
    private const MAX_SLEEP_US = 2000;

    private ?\SysvMessageQueue $queue;
    private readonly int $pid;
    private readonly int $maxSize;

    private function __construct(private readonly int $key, \SysvMessageQueue $queue)
    {
        $this->queue = $queue;
        $this->pid = getmypid();
        $limit = @file_get_contents('/proc/sys/kernel/msgmax');
        $this->maxSize = max(WireFormat::MAX_MESSAGE, is_string($limit) ? (int) $limit : 0);
    }

    /**
     * Creates a fresh reply queue for replies to tasks posted on $taskQueue: mode 0600 | (task mode & 0022), and
     * the task queue's group when it grants group write.
     */
    public static function create(\SysvMessageQueue $taskQueue): self
    {
        $stat = @msg_stat_queue($taskQueue);
        if ($stat === false) {
            throw new ClientException('cannot read the task queue\'s permissions (msg_stat_queue failed); a reply queue needs them');
        }
        $mode = self::modeFor($stat['msg_perm.mode']);
        for ($attempt = 0; $attempt < 64; $attempt++) {
            $key = random_int(1, 0x7FFFFFFF);
            if (msg_queue_exists($key)) {
                continue;
            }
            $queue = @msg_get_queue($key, $mode);
            if ($queue === false) {
                continue;
            }
            if (!self::isFresh($queue, $mode)) {
                continue; // another process took this key between the two calls: not ours, leave it alone
            }
            $reply = new self($key, $queue);
            if (($mode & 0020) !== 0 && !@msg_set_queue($queue, ['msg_perm.gid' => $stat['msg_perm.gid']])) {
                $reply->remove();
                throw new ClientException(sprintf('cannot give the reply queue group %d', $stat['msg_perm.gid']));
            }
            return $reply;
        }
        throw new ClientException('cannot create a reply queue (no free key found)');
    }

    /** The reply queue mode for a task queue mode: owner read/write plus the task queue's group and other write. */
    public static function modeFor(int $taskQueueMode): int
    {
        return 0600 | ($taskQueueMode & 0022);
    }

    /** hrtime(true) $timeout seconds from now (negative and absurd timeouts clamped). */
    public static function deadline(float $timeout): int
    {
        return hrtime(true) + (int) (min(max(0.0, $timeout), 1e8) * 1e9);
    }

    public function key(): int
    {
        return $this->key;
    }

    /**
     * Waits for the message of type $mtype, polling with a growing sleep (50 µs up to 2 ms).
     *
     * @return string|null the message, or null when none came within $timeout seconds
     */
    public function receive(int $mtype, float $timeout): ?string
    {
        $queue = $this->queue ?? throw new ClientException('reply queue already removed');
        $deadline = self::deadline($timeout);
        $sleep = self::MIN_SLEEP_US;
        while (true) {
            if (@msg_receive($queue, $mtype, $type, $this->maxSize, $message, false, MSG_IPC_NOWAIT, $error)) {
                return $message;
            }
            if ($error === self::E2BIG) {
                throw new ClientException(sprintf('reply of type %d is larger than %d bytes', $mtype, $this->maxSize));
            }
            if ($error !== self::ENOMSG && $error !== self::EINTR) {
                throw new ClientException(sprintf('reading the reply queue 0x%08x failed: %s', $this->key,
                    function_exists('posix_strerror') ? posix_strerror($error) : "errno $error"));
            }
            $left = $deadline - hrtime(true);
            if ($left <= 0) {
                return null;
            }
            usleep((int) min($sleep, intdiv($left, 1000) + 1));
            $sleep = min($sleep * 2, self::MAX_SLEEP_US);
        }
    }

    /**
     * Drains leftover messages (late replies), handing each to $leftover (e.g. to delete its spill file), and
     * removes the queue. Idempotent; does nothing in a forked child.
     *
     * @param (callable(string): void)|null $leftover
     */
    public function remove(?callable $leftover = null): void
    {
        $queue = $this->queue;
        $this->queue = null;
        if ($queue === null || getmypid() !== $this->pid) {
            return;
        }
        try {
            while ($leftover !== null
                && @msg_receive($queue, 0, $type, $this->maxSize, $message, false, MSG_IPC_NOWAIT | MSG_NOERROR)) {
                try {
                    $leftover($message);
                } catch (\Throwable) {
                    // a malformed late reply: nothing to clean up
                }
            }
        } finally {
            @msg_remove_queue($queue);
        }
    }

    public function __destruct()
    {
        $this->remove();
    }

    private static function isFresh(\SysvMessageQueue $queue, int $mode): bool
    {
        $stat = @msg_stat_queue($queue);
        return $stat !== false
            && ($stat['msg_perm.mode'] & 0777) === $mode
            && $stat['msg_qnum'] === 0
            && $stat['msg_lspid'] === 0
            && (!function_exists('posix_geteuid') || $stat['msg_perm.uid'] === posix_geteuid());
    }
}
