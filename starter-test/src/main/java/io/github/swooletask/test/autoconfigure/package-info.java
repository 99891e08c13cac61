/**
 * The auto-configuration of the test support and {@link io.github.swooletask.test.autoconfigure.AutoConfigureSwooleTaskTest}.
 */
@NullMarked
package io.github.swooletask.test.autoconfigure;

import org.jspecify.annotations.NullMarked;
