<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * Posts tasks to a swoole-task Redis stream (transport redis-streams) with phpredis and, for call(), waits for the
 * result on a reply stream of its own, `<stream>:replies:<caller id>`, deleted by close() or the destructor.
 *
 *     $redis = new \Redis();
 *     $redis->connect('redis.internal', 6379);
 *     $client = new RedisTaskClient($redis, 'orders');
 *     $id = $client->dispatch('hello');                // XADD orders * frame <bytes>
 *     $sum = $client->call([1, 2], name: 'sum');       // result, or TaskFailedException / TaskTimeoutException
 *
 * A task is an entry whose field `frame` holds the frame (data inline: no spill files across hosts); a call adds
 * flag REPLY and field `reply-to`, and its result comes back as an entry of the reply stream with fields `task`,
 * `tag` and `flags` (int32, little-endian) and `payload`.
 */
final class RedisTaskClient
{
    public readonly WireFormat $wire;
    public readonly string $replyStream;
    private readonly FrameCodec $codec;
    private int $nextTaskId = 1;
    /** @var array<int, true> task ids submitted whose reply has not been taken */
    private array $pending = [];
    /** @var array<int, Frame> replies read while waiting for another task's */
    private array $arrived = [];
    private string $lastRead = '0-0';
    private bool $replyStreamUsed = false;

    /**
     * @param \Redis            $redis          a connected phpredis client
     * @param string            $stream         the application's swoole.task.redis.stream
     * @param WireFormat|string $wire           swoole-1.7 (default, up to 64 KiB of data) or swoole-4.8/6.1
     *                                          (up to 4 GiB)
     * @param string|null       $callerId       names the reply stream; default: host, process id and 8 random
     *                                          hex digits
     * @param bool|array        $allowedClasses unserialize()'s allowed_classes for SERIALIZE results
     */
    public function __construct(
        private readonly \Redis $redis,
        public readonly string $stream = 'swoole-task',
        WireFormat|string $wire = WireFormat::SWOOLE_17,
        ?string $callerId = null,
        private readonly bool|array $allowedClasses = false,
    ) {
        if ($stream === '') {
            throw new ClientException('the stream name is empty');
        }
        // frames and replies are bytes the worker reads as they are: no serializer, compression or key prefix
        if ($redis->getOption(\Redis::OPT_SERIALIZER) !== \Redis::SERIALIZER_NONE) {
            throw new ClientException('the Redis connection has OPT_SERIALIZER set: frames must go as raw bytes; use a'
                . ' connection without a serializer');
        }
        if (defined('Redis::OPT_COMPRESSION')
            && $redis->getOption(\Redis::OPT_COMPRESSION) !== \Redis::COMPRESSION_NONE) {
            throw new ClientException('the Redis connection has OPT_COMPRESSION set: frames must go as raw bytes; use a'
                . ' connection without compression');
        }
        $prefix = $redis->getOption(\Redis::OPT_PREFIX);
        if (is_string($prefix) && $prefix !== '') {
            throw new ClientException(sprintf('the Redis connection prefixes keys with "%s" (OPT_PREFIX): the app'
                . ' reads stream "%s" as named; use a connection without a prefix', $prefix, $stream));
        }
        $this->wire = $wire instanceof WireFormat ? $wire : WireFormat::fromName($wire);
        $this->codec = new FrameCodec($this->wire);
        $callerId ??= sprintf('php-%s-%d-%s', gethostname() ?: 'host', getmypid(), bin2hex(random_bytes(4)));
        if ($callerId === '') {
            throw new ClientException('the caller id is empty');
        }
        $this->replyStream = $stream . ':replies:' . $callerId;
    }

    /**
     * Adds a task with no reply wanted; returns its task id. A string is sent as is; any other value, or any value
     * with $serialize, as serialize() with SERIALIZE.
     *
     * @param int|null    $worker in ipc-mode 2, the worker that takes it (stream `<stream>:worker:<n>`)
     * @param string|null $name   task name (ROUTED), 1..255 bytes of UTF-8
     */
    public function dispatch(mixed $data, ?int $worker = null, ?string $name = null, bool $serialize = false): int
    {
        return $this->post($data, Flags::NONBLOCK | ($this->wire->isDataHead() ? Flags::NOREPLY : 0), $name,
            $serialize, $worker, null);
    }

    /** Adds a task with REPLY and this client's reply stream and returns its task id, for wait() or receive(). */
    public function submit(mixed $data, ?string $name = null, bool $serialize = false, ?int $worker = null): int
    {
        $this->replyStreamUsed = true;
        $taskId = $this->post($data, Flags::REPLY | ($this->wire->isDataHead() ? Flags::NOREPLY : 0), $name,
            $serialize, $worker, $this->replyStream);
        $this->pending[$taskId] = true;
        return $taskId;
    }

    /**
     * Waits for the reply to task $taskId (from submit()) and returns it undecoded; a FAILED reply is returned too.
     * Replies of this client's other tasks read meanwhile are kept for their own receive().
     *
     * @throws TaskTimeoutException when no reply came within $timeout seconds
     */
    public function receive(int $taskId, float $timeout = 5.0): Frame
    {
        if (!isset($this->pending[$taskId])) {
            throw new ClientException(sprintf('task %d was not submitted by this client or its reply was taken',
                $taskId));
        }
        $deadline = hrtime(true) + (int) ($timeout * 1e9);
        while (!isset($this->arrived[$taskId])) {
            $left = intdiv($deadline - hrtime(true), 1_000_000);
            if ($left <= 0) {
                throw new TaskTimeoutException($taskId, $timeout);
            }
            $this->read(min($left, 1000));
        }
        $reply = $this->arrived[$taskId];
        unset($this->arrived[$taskId], $this->pending[$taskId]);
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
     * Runs a task and returns the handler's result: unserialize()d for SERIALIZE, json_decode()d (assoc) for JSON,
     * else the string. $timeout covers the whole round trip.
     *
     * @throws TaskFailedException  when the handler failed (the message is its error)
     * @throws TaskTimeoutException when no result came within $timeout seconds
     */
    public function call(mixed $data, ?string $name = null, float $timeout = 5.0, bool $serialize = false,
        ?int $worker = null): mixed
    {
        return $this->wait($this->submit($data, $name, $serialize, $worker), $timeout);
    }

    /** Deletes the reply stream (a late reply recreates it: delete `<stream>:replies:*` of callers gone). */
    public function close(): void
    {
        $this->pending = [];
        $this->arrived = [];
        if ($this->replyStreamUsed) {
            $this->replyStreamUsed = false;
            try {
                $this->redis->del($this->replyStream);
            } catch (\RedisException) {
                // the connection is gone: the stream stays, bounded by the worker's MAXLEN
            }
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    private function post(mixed $data, int $flags, ?string $name, bool $serialize, ?int $worker,
        ?string $replyTo): int
    {
        if ($worker !== null && $worker < 0) {
            throw new ClientException(sprintf('bad worker %d', $worker));
        }
        [$payload, $payloadFlags] = FrameCodec::payload($data, $serialize);
        $flags |= $payloadFlags;
        if ($name !== null) {
            $flags |= Flags::ROUTED;
        }
        $body = $this->codec->data($payload, $name);
        if (!$this->wire->isDataHead() && strlen($body) > 0xFFFF) {
            throw new ClientException(sprintf('%d bytes of data do not fit the 16-bit length of swoole-1.7 (and'
                . ' Redis entries carry no spill files): post in swoole-6.1', strlen($body)));
        }
        $taskId = $this->nextTaskId();
        $entry = ['frame' => $this->codec->header($taskId, strlen($body), $flags) . $body];
        if ($replyTo !== null) {
            $entry['reply-to'] = $replyTo;
        }
        $key = $worker === null ? $this->stream : $this->stream . ':worker:' . $worker;
        try {
            $id = $this->redis->xAdd($key, '*', $entry);
        } catch (\RedisException $e) {
            throw new ClientException(sprintf('cannot add the task to stream %s: %s', $key, $e->getMessage()), 0, $e);
        }
        if ($id === false) {
            throw new ClientException(sprintf('cannot add the task to stream %s: %s', $key,
                $this->redis->getLastError() ?? 'XADD failed'));
        }
        return $taskId;
    }

    /** Reads the replies that arrive within $blockMillis, deleting each from the reply stream. */
    private function read(int $blockMillis): void
    {
        try {
            $read = $this->redis->xRead([$this->replyStream => $this->lastRead], 100, $blockMillis);
        } catch (\RedisException $e) {
            throw new ClientException(sprintf('cannot read reply stream %s: %s', $this->replyStream,
                $e->getMessage()), 0, $e);
        }
        if (!is_array($read) || !isset($read[$this->replyStream])) {
            return;
        }
        $ids = [];
        foreach ($read[$this->replyStream] as $id => $fields) {
            $this->lastRead = (string) $id;
            $ids[] = (string) $id;
            $reply = $this->reply($fields);
            if ($reply !== null && isset($this->pending[$reply->taskId])) {
                $this->arrived[$reply->taskId] = $reply;
            }
        }
        if ($ids !== []) {
            $this->redis->xDel($this->replyStream, $ids);
        }
    }

    /** @param array<string, string> $fields */
    private function reply(array $fields): ?Frame
    {
        foreach (['task', 'tag', 'flags', 'payload'] as $field) {
            if (!isset($fields[$field])) {
                return null;
            }
        }
        if (strlen($fields['task']) !== 4 || strlen($fields['flags']) !== 4) {
            return null;
        }
        $taskId = unpack('V', $fields['task'])[1];
        if ($taskId >= 0x80000000) {
            $taskId -= 0x100000000;
        }
        $flags = unpack('V', $fields['flags'])[1];
        return new Frame($this->wire, $taskId, $this->wire->taskType(), $flags, $fields['payload']);
    }

    private function nextTaskId(): int
    {
        if ($this->nextTaskId > 0x7FFFFFFF) {
            $this->nextTaskId = 1;
        }
        return $this->nextTaskId++;
    }
}
