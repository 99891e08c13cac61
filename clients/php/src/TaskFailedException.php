<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/** The handler ran and failed; the message is the error text the app sent back. */
class TaskFailedException extends \RuntimeException
{
    public function __construct(public readonly int $taskId, string $error)
    {
        parent::__construct($error);
    }
}
