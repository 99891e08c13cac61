<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/** No reply arrived within the timeout (or the task queue stayed full until it ran out). */
class TaskTimeoutException extends \RuntimeException
{
    public function __construct(public readonly int $taskId, public readonly float $timeout, string $message = '')
    {
        parent::__construct($message !== '' ? $message
            : sprintf('no result for task %d within %s s', $taskId, rtrim(rtrim(sprintf('%.3f', $timeout), '0'), '.')));
    }
}
