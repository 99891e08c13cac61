<?php

declare(strict_types=1);

/*
 * PSR-4 autoloader for SwooleTask\Client\ => src/, for use without Composer:
 *     require '/path/to/clients/php/src/autoload.php';
 */
spl_autoload_register(static function (string $class): void {
    $prefix = 'SwooleTask\\Client\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
