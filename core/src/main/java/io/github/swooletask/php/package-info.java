/**
 * PHP's {@code serialize()} format: a reader with bounds for hostile input, and a writer.
 */
@NullMarked
package io.github.swooletask.php;

import org.jspecify.annotations.NullMarked;
