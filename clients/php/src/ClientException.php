<?php

declare(strict_types=1);

namespace SwooleTask\Client;

/** A client-side failure: bad argument, missing queue, send or receive error, malformed reply. */
class ClientException extends \RuntimeException
{
}
