<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * Flag bits of a task frame: the 12-byte header's `flags`, the 40-byte header's `ext_flags` (same values).
 * The low byte is Swoole's, the bits from JSON up are the swoole-task project's.
 */
final class Flags
{
    /** The data is a spill body naming a file that holds the real data. */
    public const TMPFILE = 0x0001;
    /** The payload is PHP serialize() output. */
    public const SERIALIZE = 0x0002;
    /** No reply wanted (fire and forget). */
    public const NONBLOCK = 0x0004;
    /** Swoole 4.8+: a Swoole worker must not write a result to its pipe (40-byte layouts only). */
    public const NOREPLY = 0x0080;
    /** The payload is JSON text. */
    public const JSON = 0x0100;
    /** The data starts with `uint8 n | n bytes` of UTF-8 task name. */
    public const ROUTED = 0x0200;
    /** A caller waits for the result; over Redis Streams the entry's `reply-to` names its reply stream. */
    public const REPLY = 0x0800;
    /** The data starts with `int32 reply_key | int64 reply_mtype`: a reply is wanted on that queue. */
    public const REPLY_TO = 0x2000;
    /** Replies only: the handler failed, the data is its error text (UTF-8). */
    public const FAILED = 0x4000;

    private function __construct()
    {
    }

    /** Whether $flags has every bit of $flag. */
    public static function has(int $flags, int $flag): bool
    {
        return ($flags & $flag) === $flag;
    }
}
