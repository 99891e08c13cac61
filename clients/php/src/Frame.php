<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/** A decoded frame (a task or a reply): header fields, prefixes and the payload, spill already resolved. */
final class Frame
{
    /**
     * @param int         $flags      flags as on the wire (TMPFILE still set when the data was spilled)
     * @param int         $sourceId   from_id (12-byte) or reactor_id (40-byte)
     * @param float|null  $time       the 40-byte header's time, null for the 12-byte layout
     * @param string|null $spillPath  the spill file the data came from, if any (already unlinked if possible)
     */
    public function __construct(
        public readonly WireFormat $wire,
        public readonly int $taskId,
        public readonly int $type,
        public readonly int $flags,
        public readonly string $payload,
        public readonly ?string $name = null,
        public readonly ?int $replyKey = null,
        public readonly ?int $replyMtype = null,
        public readonly int $sourceId = 0,
        public readonly ?float $time = null,
        public readonly ?string $spillPath = null,
    ) {
    }

    /** Whether the frame has every bit of $flag. */
    public function has(int $flag): bool
    {
        return Flags::has($this->flags, $flag);
    }

    /** Whether this is a reply of a handler that failed (its payload is the error text). */
    public function failed(): bool
    {
        return $this->has(Flags::FAILED);
    }

    /**
     * The payload decoded by its flags: unserialize() for SERIALIZE, json_decode() for JSON, the string otherwise.
     *
     * @param bool       $assoc          JSON objects as arrays (true) or stdClass (false)
     * @param bool|array $allowedClasses unserialize()'s allowed_classes
     * @throws TaskFailedException for a FAILED reply
     * @throws ClientException     for a payload that does not decode
     */
    public function value(bool $assoc = true, bool|array $allowedClasses = false): mixed
    {
        if ($this->failed()) {
            throw new TaskFailedException($this->taskId, $this->payload);
        }
        $serialized = $this->has(Flags::SERIALIZE);
        $json = $this->has(Flags::JSON);
        if ($serialized && $json) {
            throw new ClientException(sprintf('task %d: frame has both SERIALIZE and JSON', $this->taskId));
        }
        if ($serialized) {
            $value = @unserialize($this->payload, ['allowed_classes' => $allowedClasses]);
            if ($value === false && $this->payload !== 'b:0;') {
                throw new ClientException(sprintf('task %d: payload is not valid PHP serialize() data', $this->taskId));
            }
            return $value;
        }
        if ($json) {
            try {
                return json_decode($this->payload, $assoc, 512, JSON_THROW_ON_ERROR);
            } catch (\JsonException $e) {
                throw new ClientException(sprintf('task %d: payload is not valid JSON: %s', $this->taskId, $e->getMessage()), 0, $e);
            }
        }
        return $this->payload;
    }
}
