<?php

declare(strict_types=1);

namespace SwooleTask\Client\Tests;

use SwooleTask\Client\ClientException;
use SwooleTask\Client\Flags;
use SwooleTask\Client\FrameCodec;
use SwooleTask\Client\TaskFailedException;
use SwooleTask\Client\Tests\Support\IpcTestCase;
use SwooleTask\Client\WireFormat;

/** Decoding replies from frames built here with pack(): plain, SERIALIZE, JSON, FAILED, spilled. */
final class ReplyDecodingTest extends IpcTestCase
{
    /** @dataProvider layouts */
    public function testPlainSerializeAndJsonReplies(WireFormat $wire): void
    {
        $codec = new FrameCodec($wire);

        $plain = $codec->decode(self::frame($wire, 11, 0, 'just text'));
        self::assertSame([11, $wire->taskType(), false], [$plain->taskId, $plain->type, $plain->failed()]);
        self::assertSame('just text', $plain->value());

        $value = ['sum' => 3, 'list' => [1, 'two', 3.5], 'none' => null];
        self::assertSame($value, $codec->decode(self::frame($wire, 12, Flags::SERIALIZE, serialize($value)))->value());
        self::assertFalse($codec->decode(self::frame($wire, 12, Flags::SERIALIZE, 'b:0;'))->value());

        $json = $codec->decode(self::frame($wire, 13, Flags::JSON, '{"a":[1,2],"b":{"c":"é"},"e":{}}'));
        self::assertSame(['a' => [1, 2], 'b' => ['c' => 'é'], 'e' => []], $json->value());
        self::assertEquals((object) [], $json->value(false)->e);

        self::assertSame('', $codec->decode(self::frame($wire, 14, 0, ''))->value());
    }

    /** @dataProvider layouts */
    public function testFailedReply(WireFormat $wire): void
    {
        $reply = (new FrameCodec($wire))->decode(self::frame($wire, 21, Flags::FAILED, 'IllegalStateException: no stock'));
        self::assertTrue($reply->failed());
        self::assertSame('IllegalStateException: no stock', $reply->payload);
        try {
            $reply->value();
            self::fail('a FAILED reply has no value');
        } catch (TaskFailedException $e) {
            self::assertSame('IllegalStateException: no stock', $e->getMessage());
            self::assertSame(21, $e->taskId);
        }
    }

    /** @dataProvider layouts */
    public function testSpilledReplyIsReadAndUnlinked(WireFormat $wire): void
    {
        $dir = $this->newTmpDir();
        $value = ['blob' => str_repeat('€', 5000)];
        $data = serialize($value);
        $path = tempnam($dir, 'swoole.task');
        file_put_contents($path, $data);
        $body = $wire->isDataHead()
            ? pack('Q', strlen($data)) . str_pad($path, 256, "\0")
            : str_pad(pack('l', strlen($data)) . $path . "\0", 152, "\0");
        $reply = (new FrameCodec($wire, $dir))->decode(self::frame($wire, 31, Flags::SERIALIZE | Flags::TMPFILE, $body));
        self::assertSame($value, $reply->value());
        self::assertSame($path, $reply->spillPath);
        self::assertFileDoesNotExist($path);

        // a spilled FAILED reply
        $error = str_repeat('stack frame ', 1000);
        $path = tempnam($dir, 'swoole.task');
        file_put_contents($path, $error);
        $body = $wire->isDataHead()
            ? pack('Q', strlen($error)) . str_pad($path, 256, "\0")
            : str_pad(pack('l', strlen($error)) . $path, 152, "\0");
        $reply = (new FrameCodec($wire, $dir))->decode(self::frame($wire, 32, Flags::FAILED | Flags::TMPFILE, $body));
        self::assertTrue($reply->failed());
        self::assertSame($error, $reply->payload);
        self::assertSame([], self::filesIn($dir));
    }

    public function testBadPayloads(): void
    {
        $wire = WireFormat::SWOOLE_17;
        $codec = new FrameCodec($wire);
        foreach ([
            [Flags::SERIALIZE, 'not serialized'],
            [Flags::JSON, '{broken'],
            [Flags::JSON | Flags::SERIALIZE, 'i:1;'],
        ] as [$flags, $payload]) {
            try {
                $codec->decode(self::frame($wire, 1, $flags, $payload))->value();
                self::fail("decoded $payload");
            } catch (ClientException) {
                self::assertTrue(true);
            }
        }
    }

    public function testObjectsAreNotInstantiatedByDefault(): void
    {
        $wire = WireFormat::SWOOLE_17;
        $reply = (new FrameCodec($wire))->decode(self::frame($wire, 1, Flags::SERIALIZE, serialize(new \ArrayObject([1]))));
        self::assertInstanceOf(\__PHP_Incomplete_Class::class, $reply->value());
        self::assertInstanceOf(\ArrayObject::class, $reply->value(true, [\ArrayObject::class]));
    }

    /** @return array<string, array{WireFormat}> */
    public static function layouts(): array
    {
        return [
            'swoole-1.7' => [WireFormat::SWOOLE_17],
            'swoole-4.8' => [WireFormat::SWOOLE_48],
            'swoole-6.1' => [WireFormat::SWOOLE_61],
        ];
    }

    /** A reply frame packed by hand (not by the codec under test). */
    private static function frame(WireFormat $wire, int $taskId, int $flags, string $data): string
    {
        $len = ($flags & Flags::TMPFILE) !== 0 ? ($wire->isDataHead() ? 264 : 152) : strlen($data);
        return ($wire->isDataHead()
            ? pack('qQLsCCSSLd', $taskId, 0, $len, 0, $wire === WireFormat::SWOOLE_61 ? 8 : 7, 0, 0, $flags, 0, 1.5)
            : pack('lSsCCS', $taskId, $len, 0, 7, 0, $flags)) . $data;
    }
}
