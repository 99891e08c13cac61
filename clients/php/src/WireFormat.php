<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * The three header layouts. swoole-1.7: 12-byte header; swoole-4.8 / swoole-6.1: Swoole's 40-byte DataHead with
 * task type 7 / 8.
 */
enum WireFormat: string
{
    case SWOOLE_17 = 'swoole-1.7';
    case SWOOLE_48 = 'swoole-4.8';
    case SWOOLE_61 = 'swoole-6.1';

    /** Largest System V message a frame may take (kernel.msgmax default). */
    public const MAX_MESSAGE = 8192;

    /** The layout named $name, e.g. "swoole-4.8". */
    public static function fromName(string $name): self
    {
        return self::tryFrom($name) ?? throw new ClientException(sprintf(
            'unknown wire format "%s" (use %s)',
            $name,
            implode(', ', array_map(static fn (self $w): string => $w->value, self::cases()))
        ));
    }

    /** Bytes of header before the data: 12 or 40. */
    public function headerSize(): int
    {
        return $this === self::SWOOLE_17 ? 12 : 40;
    }

    /** The type byte of a task frame (and of its reply). */
    public function taskType(): int
    {
        return $this === self::SWOOLE_61 ? 8 : 7;
    }

    /** Whether this is one of the 40-byte layouts. */
    public function isDataHead(): bool
    {
        return $this !== self::SWOOLE_17;
    }

    /** Most bytes of data sent inline: 8179 (data of 8180+ spills) or 8152 (more than 8152 spills). */
    public function maxInline(): int
    {
        return $this === self::SWOOLE_17 ? self::MAX_MESSAGE - 12 - 1 : self::MAX_MESSAGE - 40;
    }

    /** Size of a spill body: 152 (int32 length, path, NULs) or 264 (uint64 length, 256-byte path field). */
    public function spillBodySize(): int
    {
        return $this === self::SWOOLE_17 ? 152 : 264;
    }

    /** Longest spill file path that fits the spill body with its NUL terminator. */
    public function maxSpillPath(): int
    {
        return $this === self::SWOOLE_17 ? 152 - 4 - 1 : 256 - 1;
    }
}
