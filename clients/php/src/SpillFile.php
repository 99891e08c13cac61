<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/**
 * Spill files: data too large for one message is written to `<tmpdir>/swoole.task*` and the frame carries a
 * spill body naming it.
 */
final class SpillFile
{
    public const PREFIX = 'swoole.task';

    private function __construct()
    {
    }

    /** Writes $data to a new spill file in $tmpdir (tempnam, mode 0600); returns its path. */
    public static function write(string $tmpdir, string $data, WireFormat $wire): string
    {
        $dir = self::directory($tmpdir);
        $path = @tempnam($dir, self::PREFIX);
        if ($path === false) {
            throw new ClientException(sprintf('cannot create a spill file in %s', $dir));
        }
        if (dirname($path) !== $dir) { // tempnam() falls back to the system temp dir
            @unlink($path);
            throw new ClientException(sprintf('cannot create a spill file in %s', $dir));
        }
        if (strlen($path) > $wire->maxSpillPath()) {
            @unlink($path);
            throw new ClientException(sprintf('spill path %s is longer than %s allows (%d bytes); use a shorter tmpdir',
                $path, $wire->value, $wire->maxSpillPath()));
        }
        if (@file_put_contents($path, $data) !== strlen($data)) {
            @unlink($path);
            throw new ClientException(sprintf('cannot write spill file %s', $path));
        }
        return $path;
    }

    /** The spill body for $length bytes in $path: exactly $wire->spillBodySize() bytes. */
    public static function body(WireFormat $wire, int $length, string $path): string
    {
        if (strlen($path) > $wire->maxSpillPath() || str_contains($path, "\0")) {
            throw new ClientException(sprintf('bad spill path %s', $path));
        }
        $body = ($wire->isDataHead() ? pack('Q', $length) : pack('l', $length)) . $path;
        return str_pad($body, $wire->spillBodySize(), "\0");
    }

    /**
     * Parses a spill body.
     *
     * @return array{0: int, 1: string} real length and path
     */
    public static function parseBody(WireFormat $wire, string $body): array
    {
        $lengthSize = $wire->isDataHead() ? 8 : 4;
        if (strlen($body) <= $lengthSize || strlen($body) > $wire->spillBodySize()) {
            throw new ClientException(sprintf('bad spill body of %d bytes', strlen($body)));
        }
        $length = unpack($wire->isDataHead() ? 'q' : 'l', $body)[1];
        $path = substr($body, $lengthSize);
        $nul = strpos($path, "\0");
        if ($nul !== false) {
            $path = substr($path, 0, $nul);
        }
        if ($length < 0 || $path === '') {
            throw new ClientException('bad spill body');
        }
        return [$length, $path];
    }

    /**
     * Reads a spill file after checking it is a regular file (not a symlink) directly inside $tmpdir, named
     * swoole.task*, of $length bytes; then tries to unlink it (a failure is ignored: the sender may own it).
     */
    public static function read(string $tmpdir, string $path, int $length): string
    {
        $dir = self::directory($tmpdir);
        if (!str_starts_with(basename($path), self::PREFIX) || @realpath(dirname($path)) !== $dir) {
            throw new ClientException(sprintf('spill path %s is not a %s* file in %s', $path, self::PREFIX, $dir));
        }
        $stat = @lstat($path);
        if ($stat === false || ($stat['mode'] & 0170000) !== 0100000) {
            throw new ClientException(sprintf('spill file %s is missing or not a regular file', $path));
        }
        if ($stat['size'] !== $length) {
            throw new ClientException(sprintf('spill file %s has %d bytes, expected %d', $path, $stat['size'], $length));
        }
        $fh = @fopen($path, 'rb');
        if ($fh === false) {
            throw new ClientException(sprintf('cannot open spill file %s', $path));
        }
        try {
            $open = fstat($fh);
            if ($open === false || $open['ino'] !== $stat['ino'] || $open['dev'] !== $stat['dev']) {
                throw new ClientException(sprintf('spill file %s changed while opening it', $path));
            }
            $data = $length === 0 ? '' : stream_get_contents($fh, $length);
        } finally {
            fclose($fh);
        }
        if (!is_string($data) || strlen($data) !== $length) {
            throw new ClientException(sprintf('cannot read spill file %s', $path));
        }
        @unlink($path);
        return $data;
    }

    /** The real path of $tmpdir, which must be a directory. */
    public static function directory(string $tmpdir): string
    {
        $dir = @realpath($tmpdir);
        if ($dir === false || !is_dir($dir)) {
            throw new ClientException(sprintf('spill directory %s does not exist', $tmpdir));
        }
        return $dir;
    }
}
