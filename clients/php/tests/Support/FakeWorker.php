<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests\Support;

use SwooleTask\Client\Frame;
use SwooleTask\Client\FrameCodec;

/**
 * A stand-in for the app's task worker: takes requests from a task queue with the client's codec and writes
 * replies per the reply rules (same layout, task id, type, mtype = reply_mtype, on the queue of reply_key).
 */
final class FakeWorker
{
    /** @var int mtype of the last request taken */
    public int $lastMtype = 0;

    public function __construct(public readonly FrameCodec $codec, private readonly \SysvMessageQueue $taskQueue)
    {
    }

    /** The next request (any mtype), or null when none came within $timeout. */
    public function take(float $timeout = 10.0): ?Frame
    {
        $deadline = microtime(true) + $timeout;
        do {
            if (msg_receive($this->taskQueue, 0, $mtype, 65536, $message, false, MSG_IPC_NOWAIT, $error)) {
                $this->lastMtype = $mtype;
                return $this->codec->decode($message);
            }
            usleep(200);
        } while (microtime(true) < $deadline);
        return null;
    }

    /** Sends the reply to $request with $flags (SERIALIZE, JSON, FAILED) and $payload; spills when large. */
    public function reply(Frame $request, int $flags, string $payload): void
    {
        if ($request->replyKey === null || !msg_queue_exists($request->replyKey)) {
            throw new \RuntimeException('request has no live reply queue');
        }
        $queue = msg_get_queue($request->replyKey);
        $message = $this->codec->encode($request->taskId, $payload, $flags, type: $request->type);
        if (!msg_send($queue, (int) $request->replyMtype, $message, false, true, $error)) {
            throw new \RuntimeException("reply failed: $error");
        }
    }

    /**
     * Serves $count requests: $handler(Frame, int $mtype) returns [flags, payload] to reply, or null for none.
     *
     * @return list<Frame>
     */
    public function serve(callable $handler, int $count = 1, float $timeout = 10.0): array
    {
        $seen = [];
        for ($i = 0; $i < $count; $i++) {
            $request = $this->take($timeout);
            if ($request === null) {
                break;
            }
            $seen[] = $request;
            $answer = $handler($request, $this->lastMtype);
            if ($answer !== null) {
                $this->reply($request, $answer[0], $answer[1]);
            }
        }
        return $seen;
    }

    /** A reply that describes the request as JSON (for assertions in the parent of a forked worker). */
    public static function describe(Frame $request, int $mtype): array
    {
        return [\SwooleTask\Client\Flags::JSON, json_encode([
            'taskId' => $request->taskId,
            'type' => $request->type,
            'flags' => $request->flags,
            'mtype' => $mtype,
            'name' => $request->name,
            'replyMtype' => $request->replyMtype,
            'spilled' => $request->spillPath !== null,
            'payload' => base64_encode($request->payload),
        ], JSON_THROW_ON_ERROR)];
    }
}
