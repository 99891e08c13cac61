<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/** A bad command line (the command prints its usage). */
final class UsageException extends ClientException
{
}
