/**
 * Discovery and invocation of {@code @TaskHandler} methods: the bean post-processor, the registry, one handler
 * method, the invoker the workers call, and the payload converter.
 */
@NullMarked
package io.github.swooletask.spring.handler;

import org.jspecify.annotations.NullMarked;
