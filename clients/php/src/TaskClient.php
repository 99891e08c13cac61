<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * Posts tasks to a swoole-task (or Swoole) System V task queue and, for call(), waits for the result on a reply
 * queue of its own, created on the first call and removed by close() or the destructor.
 *
 *     $client = new TaskClient(0x70001002);
 *     $id = $client->dispatch('hello');                // fire and forget
 *     $sum = $client->call([1, 2], name: 'sum');       // result, or TaskFailedException / TaskTimeoutException
 */
final class TaskClient
{
    private const EAGAIN = 11;
    private const EINTR = 4;

    public readonly WireFormat $wire;
    private readonly FrameCodec $codec;
    private readonly \SysvMessageQueue $queue;
    private ?ReplyQueue $replies = null;
    private int $nextTaskId = 1;
    /** @var array<int, true> task ids posted with REPLY_TO whose reply has not been taken */
    private array $pending = [];

    /**
     * @param int               $key               the task queue's key (must exist: the app creates it)
     * @param WireFormat|string $wire              swoole-1.7 (default), swoole-4.8 or swoole-6.1
     * @param int               $workerMtypeOffset mtype of task worker 0 (worker N reads offset + N in ipc-mode 2)
     * @param string            $tmpdir            directory of spill files, both ways
     * @param bool              $blocking          dispatch() waits while the task queue is full (else it throws)
     * @param bool|array        $allowedClasses    unserialize()'s allowed_classes for SERIALIZE results
     * @throws ClientException when the queue does not exist or an argument is invalid
     */
    public function __construct(
        public readonly int $key,
        WireFormat|string $wire = WireFormat::SWOOLE_17,
        public readonly int $workerMtypeOffset = 2,
        string $tmpdir = '/tmp',
        private readonly bool $blocking = true,
        private readonly bool|array $allowedClasses = false,
    ) {
        if ($key === 0 || $key < -0x80000000 || $key > 0xFFFFFFFF) {
            throw new ClientException(sprintf('bad queue key %d (a non-zero 32-bit key is needed)', $key));
        }
        if ($workerMtypeOffset < 1) {
            throw new ClientException('workerMtypeOffset must be at least 1');
        }
        $this->wire = $wire instanceof WireFormat ? $wire : WireFormat::fromName($wire);
        $this->codec = new FrameCodec($this->wire, $tmpdir);
        if (!msg_queue_exists($key)) {
            throw new ClientException(sprintf('no message queue with key 0x%08x: the app is not running or the key is wrong', $key & 0xFFFFFFFF));
        }
        $queue = @msg_get_queue($key);
        if ($queue === false) {
            throw new ClientException(sprintf('cannot open message queue 0x%08x', $key & 0xFFFFFFFF));
        }
        $this->queue = $queue;
    }

    /**
     * Posts a task with no reply wanted (NONBLOCK, and NOREPLY in the 40-byte layouts); returns its task id.
     * A string is sent as is; any other value, or any value with $serialize, as serialize() with SERIALIZE.
     *
     * @param int|null    $worker task worker to address (mtype offset + N); default mtype offset
     * @param string|null $name   task name (ROUTED), 1..255 bytes of UTF-8
     */
    public function dispatch(mixed $data, ?int $worker = null, ?string $name = null, bool $serialize = false): int
    {
        $flags = Flags::NONBLOCK | ($this->wire->isDataHead() ? Flags::NOREPLY : 0);
        return $this->post($data, $flags, $worker, $name, $serialize, null, null);
    }

    /**
     * Posts a task with REPLY_TO and returns its task id, for wait() or receive(); several may be in flight.
     *
     * @param float|null $timeout seconds to keep trying while the task queue is full (default: wait as dispatch())
     * @throws TaskTimeoutException when the task queue stayed full for $timeout
     */
    public function submit(mixed $data, ?string $name = null, bool $serialize = false, ?int $worker = null,
        ?float $timeout = null): int
    {
        $flags = $this->wire->isDataHead() ? Flags::NOREPLY : 0;
        $deadline = $timeout === null ? null : ReplyQueue::deadline($timeout);
        $this->replies ??= ReplyQueue::create($this->queue);
        $taskId = $this->post($data, $flags, $worker, $name, $serialize, $this->replies->key(), $deadline, $timeout);
        $this->pending[$taskId] = true;
        return $taskId;
    }

    /**
     * Waits for the reply to task $taskId (from submit()) and returns it undecoded; a FAILED reply is returned too.
     *
     * @throws TaskTimeoutException when no reply came within $timeout seconds
     */
    public function receive(int $taskId, float $timeout = 5.0): Frame
    {
        if (!isset($this->pending[$taskId]) || $this->replies === null) {
            throw new ClientException(sprintf('task %d was not submitted by this client or its reply was taken', $taskId));
        }
        $message = $this->replies->receive($taskId, $timeout);
        if ($message === null) {
            throw new TaskTimeoutException($taskId, $timeout);
        }
        unset($this->pending[$taskId]);
        $reply = $this->codec->decode($message);
        if ($reply->taskId !== $taskId || $reply->type !== $this->wire->taskType()) {
            throw new ClientException(sprintf('reply for task %d carries task id %d and type %d', $taskId,
                $reply->taskId, $reply->type));
        }
        return $reply;
    }

    /**
     * Waits for the result of task $taskId (from submit()) and returns it decoded.
     *
     * @throws TaskFailedException  when the handler failed
     * @throws TaskTimeoutException when no reply came within $timeout seconds
     */
    public function wait(int $taskId, float $timeout = 5.0): mixed
    {
        return $this->receive($taskId, $timeout)->value(true, $this->allowedClasses);
    }

    /**
     * Runs a task and returns the handler's result: unserialize()d for SERIALIZE, json_decode()d (assoc) for
     * JSON, else the string. $timeout covers the whole round trip.
     *
     * @throws TaskFailedException  when the handler failed (the message is its error)
     * @throws TaskTimeoutException when no result came within $timeout seconds
     * @throws ClientException      on any other error
     */
    public function call(mixed $data, ?string $name = null, float $timeout = 5.0, bool $serialize = false,
        ?int $worker = null): mixed
    {
        $start = hrtime(true);
        $taskId = $this->submit($data, $name, $serialize, $worker, $timeout);
        $left = max(0.0, $timeout - (hrtime(true) - $start) / 1e9);
        try {
            return $this->wait($taskId, $left);
        } catch (TaskTimeoutException) {
            throw new TaskTimeoutException($taskId, $timeout);
        }
    }

    /** The reply queue's key, or null before the first call. */
    public function replyKey(): ?int
    {
        return $this->replies?->key();
    }

    /** The codec this client encodes with. */
    public function codec(): FrameCodec
    {
        return $this->codec;
    }

    /** Removes the reply queue (deleting spill files of late replies). The client can still be used. */
    public function close(): void
    {
        $replies = $this->replies;
        $this->replies = null;
        $this->pending = [];
        $replies?->remove(function (string $message): void {
            $this->codec->decode($message); // reads and unlinks a spill file, if any
        });
    }

    public function __destruct()
    {
        $this->close();
    }

    private function post(mixed $data, int $flags, ?int $worker, ?string $name, bool $serialize, ?int $replyKey,
        ?int $deadline, ?float $timeout = null): int
    {
        if ($worker !== null && $worker < 0) {
            throw new ClientException(sprintf('bad worker %d', $worker));
        }
        [$payload, $payloadFlags] = FrameCodec::payload($data, $serialize);
        $flags |= $payloadFlags;
        $taskId = $this->nextTaskId();
        $message = $this->codec->encode($taskId, $payload, $flags, $name, $replyKey,
            $replyKey === null ? null : $taskId);
        $this->send($this->workerMtypeOffset + ($worker ?? 0), $message, $deadline, $taskId, $timeout);
        return $taskId;
    }

    private function send(int $mtype, string $message, ?int $deadline, int $taskId, ?float $timeout): void
    {
        $sleep = 50;
        while (true) {
            $blocking = $deadline === null && $this->blocking;
            if (@msg_send($this->queue, $mtype, $message, false, $blocking, $error)) {
                return;
            }
            $full = $error === self::EAGAIN;
            if ($error === self::EINTR || ($full && $deadline !== null && hrtime(true) < $deadline)) {
                if ($full) {
                    usleep($sleep);
                    $sleep = min($sleep * 2, 2000);
                }
                continue;
            }
            $spill = $this->codec->spillPath($message);
            if ($spill !== null) {
                @unlink($spill);
            }
            if ($full && $deadline !== null) {
                throw new TaskTimeoutException($taskId, (float) $timeout,
                    sprintf('task queue 0x%08x stayed full for %s s', $this->key & 0xFFFFFFFF, $timeout));
            }
            throw new ClientException($full
                ? sprintf('task queue 0x%08x is full', $this->key & 0xFFFFFFFF)
                : sprintf('sending to queue 0x%08x failed: %s', $this->key & 0xFFFFFFFF,
                    function_exists('posix_strerror') ? posix_strerror((int) $error) : "errno $error"));
        }
    }

    private function nextTaskId(): int
    {
        if ($this->nextTaskId > 0x7FFFFFFF) {
            $this->nextTaskId = 1;
        }
        return $this->nextTaskId++;
    }
}
