<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests;

use SwooleTask\Client\ClientException;
use SwooleTask\Client\Flags;
use SwooleTask\Client\FrameCodec;
use SwooleTask\Client\SpillFile;
use SwooleTask\Client\Tests\Support\IpcTestCase;
use SwooleTask\Client\WireFormat;

/** Packing byte for byte: both header layouts, prefixes, names, spill thresholds and spill bodies. */
final class FrameCodecTest extends IpcTestCase
{
    private const REFERENCE = '/work/shared/reference/SwooleTask.php';
    private const CAPTURED_HELLO = '00000000000000000000000000000000 05000000 0000 08 00 0000 8400 00000000 7d5bdffdbdc3da41 68656c6c6f';
    private const CAPTURED_ARRAY = '0100000000000000 0000000000000000 34000000 0000 08 00 0000 8600 00000000 f25cdffdbdc3da41'
        . ' 613a333a7b693a303b693a313b693a313b733a333a2274776f223b693a323b613a313a7b733a313a226b223b643a332e353b7d7d';

    public function testSwoole17SmallFramesAreTheReferenceLayout(): void
    {
        $codec = new FrameCodec();
        foreach ([[1, 'hello'], [2, ''], [0x7FFFFFFF, str_repeat('x', 100)], [-5, "\0\xff"]] as [$id, $data]) {
            self::assertSame(
                bin2hex(pack('lSsCCS', $id, strlen($data), 0, 7, 0, Flags::NONBLOCK) . $data),
                bin2hex($codec->encode($id, $data, Flags::NONBLOCK))
            );
        }
        self::assertSame('010000000200000007000400' . bin2hex('hi'), bin2hex($codec->encode(1, 'hi', 4)));
    }

    public function testSwoole17MatchesTheReferenceClientsPack(): void
    {
        if (!is_file(self::REFERENCE)) {
            self::markTestSkipped('reference client not present');
        }
        $argv = [__FILE__]; // the reference file's command-line block must not run
        if (!class_exists('SwooleTask', false)) {
            require self::REFERENCE;
        }
        $reference = new class (0) extends \SwooleTask {
            public function __construct(int $ignored)
            {
            }

            public static function packed(int $taskId, mixed $data): string
            {
                return static::pack($taskId, $data);
            }
        };
        $codec = new FrameCodec();
        foreach ([[1, 'Hello from PHP!'], [7, ''], [3, str_repeat('z', 8179)]] as [$id, $data]) {
            self::assertSame(bin2hex($reference::packed($id, $data)), bin2hex($codec->encode($id, $data, Flags::NONBLOCK)));
        }
        $value = [1, 'two', ['k' => 3.5]];
        self::assertSame(
            bin2hex($reference::packed(9, $value)),
            bin2hex($codec->encode(9, serialize($value), Flags::NONBLOCK | Flags::SERIALIZE))
        );
    }

    public function testSwoole61MatchesTheCapturedHello(): void
    {
        $captured = self::hex(self::CAPTURED_HELLO);
        $time = unpack('d', substr($captured, 32, 8))[1];
        $codec = new FrameCodec(WireFormat::SWOOLE_61);
        self::assertSame(bin2hex($captured), bin2hex($codec->encode(0, 'hello', Flags::NONBLOCK | Flags::NOREPLY, time: $time)));
        // and with the current time, everything but the time field
        $now = $codec->encode(0, 'hello', 132);
        self::assertSame(bin2hex(substr($captured, 0, 32) . substr($captured, 40)), bin2hex(substr($now, 0, 32) . substr($now, 40)));
        self::assertEqualsWithDelta(microtime(true), unpack('d', substr($now, 32, 8))[1], 5.0);
    }

    public function testSwoole61MatchesTheCapturedSerializedArray(): void
    {
        $captured = self::hex(self::CAPTURED_ARRAY);
        $time = unpack('d', substr($captured, 32, 8))[1];
        $payload = serialize([1, 'two', ['k' => 3.5]]);
        self::assertSame(bin2hex(substr($captured, 40)), bin2hex($payload));
        $codec = new FrameCodec(WireFormat::SWOOLE_61);
        self::assertSame(bin2hex($captured), bin2hex($codec->encode(1, $payload, 0x86, time: $time)));
        self::assertSame('693a34323b', bin2hex(substr($codec->encode(1, serialize(42), 0x86), 40)));
    }

    public function testSwoole61MatchesTheCapturedSpillOf9000Bytes(): void
    {
        $codec = new FrameCodec(WireFormat::SWOOLE_61); // default tmpdir /tmp, as captured
        $message = $codec->encode(2, str_repeat('A', 9000), Flags::NONBLOCK | Flags::NOREPLY);
        $path = $codec->spillPath($message);
        self::assertNotNull($path);
        $this->trackFile($path);
        self::assertSame(304, strlen($message));
        $h = unpack('qid/Qmsg/Llen/ssrc/Ctype/Cchunk/Sfd/Sflags/Lres', $message);
        self::assertSame(['id' => 2, 'msg' => 0, 'len' => 264, 'src' => 0, 'type' => 8, 'chunk' => 0, 'fd' => 0,
            'flags' => 0x85, 'res' => 0], $h);
        self::assertSame('2823000000000000', bin2hex(substr($message, 40, 8)));
        self::assertMatchesRegularExpression('~^/tmp/swoole\.task[A-Za-z0-9]{6}$~', $path);
        self::assertSame(str_pad($path, 256, "\0"), substr($message, 48));
        self::assertSame(str_repeat('A', 9000), file_get_contents($path));
    }

    public function testTaskTypeByLayout(): void
    {
        self::assertSame(7, ord((new FrameCodec(WireFormat::SWOOLE_48))->encode(1, 'x')[22]));
        self::assertSame(8, ord((new FrameCodec(WireFormat::SWOOLE_61))->encode(1, 'x')[22]));
        self::assertSame(7, ord((new FrameCodec(WireFormat::SWOOLE_17))->encode(1, 'x')[8]));
        self::assertSame(9, ord((new FrameCodec(WireFormat::SWOOLE_48))->encode(1, 'x', type: 9)[22]));
        self::assertSame(WireFormat::SWOOLE_48, WireFormat::fromName('swoole-4.8'));
        $this->expectException(ClientException::class);
        WireFormat::fromName('swoole-5');
    }

    /** @dataProvider layouts */
    public function testPrefixesComeReplyToThenNameThenPayload(WireFormat $wire): void
    {
        $codec = new FrameCodec($wire);
        $message = $codec->encode(5, 'PAYLOAD', Flags::SERIALIZE, 'résumé', 0x1234567, 5);
        $data = substr($message, $wire->headerSize());
        self::assertSame(bin2hex(pack('lq', 0x1234567, 5) . "\x08résumé" . 'PAYLOAD'), bin2hex($data));
        self::assertSame(12 + 1 + 8 + 7, strlen($data));
        [$len, $flags] = $wire->isDataHead()
            ? array_values(unpack('Llen/x6/Sflags', $message, 16))
            : array_values(unpack('Slen/x4/Sflags', $message, 4));
        self::assertSame(strlen($data), $len);
        self::assertSame(Flags::SERIALIZE | Flags::ROUTED | Flags::REPLY_TO, $flags);

        $frame = $codec->decode($message);
        self::assertSame([5, 0x1234567, 5, 'résumé', 'PAYLOAD'],
            [$frame->taskId, $frame->replyKey, $frame->replyMtype, $frame->name, $frame->payload]);

        // each prefix alone
        self::assertSame("\x04jobsX", substr($codec->encode(1, 'X', 0, 'jobs'), $wire->headerSize()));
        self::assertSame(pack('lq', -7, 1 << 40) . 'X', substr($codec->encode(1, 'X', 0, null, -7, 1 << 40), $wire->headerSize()));
        // the codec owns ROUTED, REPLY_TO and TMPFILE
        $plain = $codec->decode($codec->encode(1, 'X', Flags::ROUTED | Flags::REPLY_TO | Flags::TMPFILE | Flags::JSON));
        self::assertSame(Flags::JSON, $plain->flags);
    }

    public function testRoutedNameLimits(): void
    {
        $codec = new FrameCodec();
        $max = str_repeat('n', 255);
        self::assertSame("\xff" . $max, substr($codec->encode(1, '', 0, $max), 12));
        $euro = str_repeat('€', 85); // 255 bytes
        self::assertSame($euro, $codec->decode($codec->encode(1, 'p', 0, $euro))->name);
        foreach (['', str_repeat('n', 256), str_repeat('€', 86), "bad\xff", "\xc3"] as $bad) {
            try {
                $codec->encode(1, 'p', 0, $bad);
                self::fail('accepted name ' . bin2hex($bad));
            } catch (ClientException) {
                self::assertTrue(true);
            }
        }
    }

    public function testReplyToArgumentsAreChecked(): void
    {
        $codec = new FrameCodec();
        foreach ([[0, 1], [1, 0], [1, -1], [0x80000000, 1], [1, null], [null, 1]] as [$key, $mtype]) {
            try {
                $codec->encode(1, 'p', 0, null, $key, $mtype);
                self::fail("accepted reply key $key mtype $mtype");
            } catch (ClientException) {
                self::assertTrue(true);
            }
        }
    }

    public function testSwoole17SpillThreshold(): void
    {
        $dir = $this->newTmpDir();
        $codec = new FrameCodec(WireFormat::SWOOLE_17, $dir);

        $inline = $codec->encode(1, str_repeat('a', 8179), Flags::NONBLOCK);
        self::assertSame(8191, strlen($inline));
        self::assertSame(['len' => 8179, 'flags' => Flags::NONBLOCK], unpack('x4/Slen/x4/Sflags', $inline));
        self::assertSame([], self::filesIn($dir));

        $data = str_repeat('b', 8180);
        $spilled = $codec->encode(2, $data, Flags::NONBLOCK);
        self::assertSame(12 + 152, strlen($spilled));
        self::assertSame(['id' => 2, 'len' => 152, 'src' => 0, 'type' => 7, 'res' => 0, 'flags' => Flags::NONBLOCK | Flags::TMPFILE],
            unpack('lid/Slen/ssrc/Ctype/Cres/Sflags', $spilled));
        $files = self::filesIn($dir);
        self::assertCount(1, $files);
        self::assertStringStartsWith('swoole.task', $files[0]);
        $path = realpath($dir) . '/' . $files[0];
        self::assertSame(bin2hex(str_pad(pack('l', 8180) . $path, 152, "\0")), bin2hex(substr($spilled, 12)));
        self::assertSame("\0", $spilled[strlen($spilled) - 1]);
        self::assertSame($data, file_get_contents($path));
        self::assertSame(0600, fileperms($path) & 0777);

        // the decoder reads the file back and deletes it
        $frame = $codec->decode($spilled);
        self::assertSame($data, $frame->payload);
        self::assertSame($path, $frame->spillPath);
        self::assertSame([], self::filesIn($dir));
    }

    /** @dataProvider dataHeadLayouts */
    public function testDataHeadSpillThreshold(WireFormat $wire): void
    {
        $dir = $this->newTmpDir();
        $codec = new FrameCodec($wire, $dir);

        $inline = $codec->encode(1, str_repeat('a', 8152), 132);
        self::assertSame(8192, strlen($inline));
        self::assertSame(['len' => 8152, 'flags' => 132], unpack('Llen/x6/Sflags', $inline, 16));
        self::assertSame([], self::filesIn($dir));

        $data = str_repeat('b', 8153);
        $spilled = $codec->encode(2, $data, 132);
        self::assertSame(40 + 264, strlen($spilled));
        self::assertSame(['len' => 264, 'type' => $wire->taskType(), 'flags' => 133],
            unpack('Llen/x2/Ctype/x3/Sflags', $spilled, 16));
        $files = self::filesIn($dir);
        self::assertCount(1, $files);
        $path = realpath($dir) . '/' . $files[0];
        self::assertStringStartsWith('swoole.task', $files[0]);
        self::assertSame(bin2hex(pack('Q', 8153) . str_pad($path, 256, "\0")), bin2hex(substr($spilled, 40)));
        self::assertSame($data, file_get_contents($path));

        self::assertSame($data, $codec->decode($spilled)->payload);
        self::assertSame([], self::filesIn($dir));
    }

    /** @dataProvider layouts */
    public function testPrefixesCountTowardsTheThresholdAndAreSpilledWithThePayload(WireFormat $wire): void
    {
        $dir = $this->newTmpDir();
        $codec = new FrameCodec($wire, $dir);
        $prefixes = 12 + 1 + 4;
        $fits = str_repeat('p', $wire->maxInline() - $prefixes);

        $inline = $codec->encode(3, $fits, 0, 'name', 99, 3);
        self::assertSame($wire->headerSize() + $wire->maxInline(), strlen($inline));
        self::assertSame([], self::filesIn($dir));

        $spilled = $codec->encode(3, $fits . 'p', 0, 'name', 99, 3);
        self::assertSame($wire->headerSize() + $wire->spillBodySize(), strlen($spilled));
        $files = self::filesIn($dir);
        self::assertCount(1, $files);
        self::assertSame(pack('lq', 99, 3) . "\x04name" . $fits . 'p', file_get_contents($dir . '/' . $files[0]));

        $frame = $codec->decode($spilled);
        self::assertSame(['name', 99, 3, $fits . 'p'], [$frame->name, $frame->replyKey, $frame->replyMtype, $frame->payload]);
        self::assertTrue($frame->has(Flags::TMPFILE | Flags::ROUTED | Flags::REPLY_TO));
        self::assertSame([], self::filesIn($dir));
    }

    public function testSpillPathMustFitTheBody(): void
    {
        $long = $this->newTmpDir() . '/' . str_repeat('d', 140);
        mkdir($long);
        try {
            (new FrameCodec(WireFormat::SWOOLE_17, $long))->encode(1, str_repeat('x', 9000));
            self::fail('a 12-byte spill body cannot hold the path');
        } catch (ClientException $e) {
            self::assertStringContainsString('longer than', $e->getMessage());
        }
        self::assertSame([], self::filesIn($long), 'the spill file is removed again');
        // the 40-byte body has room for it
        $codec = new FrameCodec(WireFormat::SWOOLE_48, $long);
        self::assertSame(str_repeat('x', 9000), $codec->decode($codec->encode(1, str_repeat('x', 9000)))->payload);

        $this->expectException(ClientException::class);
        (new FrameCodec(WireFormat::SWOOLE_17, '/nonexistent/dir'))->encode(1, str_repeat('x', 9000));
    }

    public function testDecodeRejectsMalformedFrames(): void
    {
        $codec = new FrameCodec();
        $dataHead = new FrameCodec(WireFormat::SWOOLE_61);
        $bad = [
            [$codec, 'short'],
            [$codec, pack('lSsCCS', 1, 5, 0, 7, 0, 0) . 'abc'],
            [$codec, pack('lSsCCS', 1, 2, 0, 7, 0, Flags::ROUTED) . "\x05a"],
            [$codec, pack('lSsCCS', 1, 1, 0, 7, 0, Flags::ROUTED) . "\x00"],
            [$codec, pack('lSsCCS', 1, 3, 0, 7, 0, Flags::REPLY_TO) . 'abc'],
            [$dataHead, str_repeat("\0", 39)],
            [$dataHead, $dataHead->header(1, 4, 0) . 'abc'],
            [$dataHead, $dataHead->header(1, 5, Flags::TMPFILE) . 'abcde'],
        ];
        foreach ($bad as $i => [$c, $message]) {
            try {
                $c->decode($message);
                self::fail("accepted malformed frame #$i");
            } catch (ClientException) {
                self::assertTrue(true);
            }
        }
    }

    public function testDecodeAcceptsTheReferenceClientsShortSpillBody(): void
    {
        $dir = $this->newTmpDir();
        $path = tempnam($dir, 'swoole.task');
        file_put_contents($path, str_repeat('r', 8180));
        $message = pack('lSsCCS', 4, 152, 0, 7, 0, Flags::TMPFILE | Flags::NONBLOCK) . pack('l', 8180) . $path . "\0";
        self::assertLessThan(164, strlen($message));
        self::assertSame(str_repeat('r', 8180), (new FrameCodec(WireFormat::SWOOLE_17, $dir))->decode($message)->payload);
        self::assertFileDoesNotExist($path);
    }

    public function testSpillFileRules(): void
    {
        $dir = $this->newTmpDir();
        $other = $this->newTmpDir();
        $codec = new FrameCodec(WireFormat::SWOOLE_48, $dir);
        $frame = static fn (string $path, int $length): string
            => $codec->header(1, 264, Flags::TMPFILE) . SpillFile::body(WireFormat::SWOOLE_48, $length, $path);

        $outside = tempnam($other, 'swoole.task');
        file_put_contents($outside, 'xyz');
        $wrongName = $dir . '/other.file';
        file_put_contents($wrongName, 'xyz');
        $target = tempnam($dir, 'swoole.task');
        file_put_contents($target, 'xyz');
        $link = $dir . '/swoole.task.link';
        symlink($target, $link);
        $sized = tempnam($dir, 'swoole.task');
        file_put_contents($sized, 'xyz');
        $subdir = $dir . '/swoole.task.dir';
        mkdir($subdir);

        foreach ([[$outside, 3], [$wrongName, 3], [$link, 3], [$sized, 4], [$dir . '/swoole.taskMISSING', 3],
            [$dir . '/../' . basename($other) . '/' . basename($outside), 3], [$subdir, 0]] as [$path, $length]) {
            try {
                $codec->decode($frame($path, $length));
                self::fail("accepted spill file $path");
            } catch (ClientException) {
                self::assertTrue(true);
            }
        }
        foreach ([$outside, $wrongName, $target, $link, $sized] as $kept) {
            self::assertFileExists($kept, 'a refused spill file is left alone');
        }
        self::assertSame('xyz', $codec->decode($frame($target, 3))->payload);
        self::assertFileDoesNotExist($target);
    }

    /** @return array<string, array{WireFormat}> */
    public static function layouts(): array
    {
        return ['swoole-1.7' => [WireFormat::SWOOLE_17]] + self::dataHeadLayouts();
    }

    /** @return array<string, array{WireFormat}> */
    public static function dataHeadLayouts(): array
    {
        return ['swoole-4.8' => [WireFormat::SWOOLE_48], 'swoole-6.1' => [WireFormat::SWOOLE_61]];
    }

    private static function hex(string $spaced): string
    {
        return hex2bin(str_replace(' ', '', $spaced));
    }
}
