<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * Packs and unpacks frames of one wire layout (host byte order): header, optional REPLY_TO and ROUTED prefixes,
 * payload, and spill files for data over the layout's inline limit.
 *
 * 12-byte: int32 task_id | uint16 len | int16 from_id | uint8 type | uint8 0 | uint16 flags
 * 40-byte: int64 fd | uint64 msg_id | uint32 len | int16 reactor_id | uint8 type | uint8 0 | uint16 server_fd
 *          | uint16 ext_flags | uint32 0 | double time
 * data:    [int32 reply_key | int64 reply_mtype] [uint8 n | name] payload
 */
final class FrameCodec
{
    /** Bytes of the REPLY_TO prefix. */
    public const REPLY_TO_SIZE = 12;
    /** Longest task name in bytes. */
    public const MAX_NAME = 255;

    public function __construct(
        public readonly WireFormat $wire = WireFormat::SWOOLE_17,
        public readonly string $tmpdir = '/tmp',
    ) {
    }

    /**
     * A whole message (header and data), spilling the data to a file when it is over the inline limit.
     * ROUTED, REPLY_TO and TMPFILE are set from the arguments; other $flags are sent as given.
     *
     * @param int|null   $type default: the layout's task type
     * @param float|null $time 40-byte layouts; default: microtime(true)
     */
    public function encode(
        int $taskId,
        string $payload,
        int $flags = 0,
        ?string $name = null,
        ?int $replyKey = null,
        ?int $replyMtype = null,
        ?int $type = null,
        ?float $time = null,
    ): string {
        $flags &= ~(Flags::TMPFILE | Flags::ROUTED | Flags::REPLY_TO);
        if ($name !== null) {
            $flags |= Flags::ROUTED;
        }
        if ($replyKey !== null || $replyMtype !== null) {
            $flags |= Flags::REPLY_TO;
        }
        $data = $this->data($payload, $name, $replyKey, $replyMtype);
        if (strlen($data) > $this->wire->maxInline()) {
            $path = SpillFile::write($this->tmpdir, $data, $this->wire);
            try {
                $data = SpillFile::body($this->wire, strlen($data), $path);
            } catch (ClientException $e) {
                @unlink($path);
                throw $e;
            }
            $flags |= Flags::TMPFILE;
        }
        return $this->header($taskId, strlen($data), $flags, $type, $time) . $data;
    }

    /** The data of a frame: the REPLY_TO prefix if a reply queue is given, the ROUTED prefix if a name is, payload. */
    public function data(string $payload, ?string $name = null, ?int $replyKey = null, ?int $replyMtype = null): string
    {
        $data = '';
        if ($replyKey !== null || $replyMtype !== null) {
            if ($replyKey === null || $replyMtype === null) {
                throw new ClientException('REPLY_TO needs both a reply key and a reply mtype');
            }
            if ($replyKey < -0x80000000 || $replyKey > 0x7FFFFFFF || $replyKey === 0) {
                throw new ClientException(sprintf('reply key %d is not a non-zero int32', $replyKey));
            }
            if ($replyMtype <= 0) {
                throw new ClientException(sprintf('reply mtype %d is not positive', $replyMtype));
            }
            $data .= pack('lq', $replyKey, $replyMtype);
        }
        if ($name !== null) {
            self::checkName($name);
            $data .= pack('C', strlen($name)) . $name;
        }
        return $data . $payload;
    }

    /**
     * A task's payload and its payload flag: a string as is (no flag), any other value, or any value with
     * $serialize, as serialize() with SERIALIZE.
     *
     * @return array{0: string, 1: int}
     * @throws ClientException when the value cannot be serialized
     */
    public static function payload(mixed $data, bool $serialize = false): array
    {
        if (!$serialize && is_string($data)) {
            return [$data, 0];
        }
        try {
            return [serialize($data), Flags::SERIALIZE];
        } catch (\Throwable $e) {
            throw new ClientException('cannot serialize the task: ' . $e->getMessage(), 0, $e);
        }
    }

    /** A header for $len bytes of data. */
    public function header(int $taskId, int $len, int $flags, ?int $type = null, ?float $time = null): string
    {
        $type ??= $this->wire->taskType();
        if ($type < 0 || $type > 0xFF || $flags < 0 || $flags > 0xFFFF || $len < 0) {
            throw new ClientException('header field out of range');
        }
        if (!$this->wire->isDataHead()) {
            if ($taskId < -0x80000000 || $taskId > 0x7FFFFFFF || $len > 0xFFFF) {
                throw new ClientException(sprintf('task id %d or length %d does not fit swoole-1.7', $taskId, $len));
            }
            return pack('lSsCCS', $taskId, $len, 0, $type, 0, $flags);
        }
        if ($len > 0xFFFFFFFF) {
            throw new ClientException('length out of range');
        }
        return pack('qQLsCCSSLd', $taskId, 0, $len, 0, $type, 0, 0, $flags, 0, $time ?? microtime(true));
    }

    /**
     * Decodes a message: checks the header, reads (and unlinks) a spill file, splits off the prefixes.
     *
     * @throws ClientException for a malformed frame or a spill file that breaks the rules
     */
    public function decode(string $message): Frame
    {
        [$taskId, $len, $sourceId, $type, $flags, $time] = $this->parseHeader($message);
        $size = strlen($message) - $this->wire->headerSize();
        $spilled = Flags::has($flags, Flags::TMPFILE);
        // The original PHP client sends a 12-byte spill body shorter than the 152 its len field says.
        $lengthOk = $spilled && !$this->wire->isDataHead()
            ? $len === 152 && $size <= 152
            : $len === $size;
        if (!$lengthOk) {
            throw new ClientException(sprintf('frame length field %d does not match its %d bytes of data', $len, $size));
        }
        $data = substr($message, $this->wire->headerSize());
        $spillPath = null;
        if ($spilled) {
            if ($this->wire->isDataHead() && $len !== 264) {
                throw new ClientException(sprintf('spilled frame with length %d, expected 264', $len));
            }
            [$length, $spillPath] = SpillFile::parseBody($this->wire, $data);
            $data = SpillFile::read($this->tmpdir, $spillPath, $length);
        }
        $offset = 0;
        $replyKey = $replyMtype = $name = null;
        if (Flags::has($flags, Flags::REPLY_TO)) {
            if (strlen($data) < self::REPLY_TO_SIZE) {
                throw new ClientException('REPLY_TO frame too short for its prefix');
            }
            ['key' => $replyKey, 'mtype' => $replyMtype] = unpack('lkey/qmtype', $data);
            $offset = self::REPLY_TO_SIZE;
        }
        if (Flags::has($flags, Flags::ROUTED)) {
            $n = isset($data[$offset]) ? ord($data[$offset]) : 0;
            if ($n === 0 || strlen($data) < $offset + 1 + $n) {
                throw new ClientException('ROUTED frame with a missing or truncated task name');
            }
            $name = substr($data, $offset + 1, $n);
            $offset += 1 + $n;
        }
        return new Frame($this->wire, $taskId, $type, $flags, (string) substr($data, $offset), $name, $replyKey,
            $replyMtype, $sourceId, $time, $spillPath);
    }

    /** The spill file a message names, or null when it is not spilled (for cleanup after a failed send). */
    public function spillPath(string $message): ?string
    {
        try {
            [, , , , $flags] = $this->parseHeader($message);
            if (!Flags::has($flags, Flags::TMPFILE)) {
                return null;
            }
            return SpillFile::parseBody($this->wire, substr($message, $this->wire->headerSize()))[1];
        } catch (ClientException) {
            return null;
        }
    }

    /** Throws unless $name is 1..255 bytes of UTF-8. */
    public static function checkName(string $name): void
    {
        if ($name === '' || strlen($name) > self::MAX_NAME) {
            throw new ClientException(sprintf('task name must be 1..%d bytes, got %d', self::MAX_NAME, strlen($name)));
        }
        if (preg_match('//u', $name) !== 1) {
            throw new ClientException('task name is not valid UTF-8');
        }
    }

    /** @return array{0: int, 1: int, 2: int, 3: int, 4: int, 5: ?float} task id, len, source id, type, flags, time */
    private function parseHeader(string $message): array
    {
        if (strlen($message) < $this->wire->headerSize()) {
            throw new ClientException(sprintf('frame of %d bytes is shorter than the %s header', strlen($message), $this->wire->value));
        }
        if (!$this->wire->isDataHead()) {
            $h = unpack('lid/Slen/ssrc/Ctype/Creserved/Sflags', $message);
            return [$h['id'], $h['len'], $h['src'], $h['type'], $h['flags'], null];
        }
        $h = unpack('qid/Qmsg/Llen/ssrc/Ctype/Cchunk/Sfd/Sflags/Lreserved/dtime', $message);
        return [$h['id'], $h['len'], $h['src'], $h['type'], $h['flags'], $h['time']];
    }
}
