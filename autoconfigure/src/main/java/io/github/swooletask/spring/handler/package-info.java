/**
 * Discovery and invocation of {@code @TaskHandler} methods: the bean post-processor, the registry, one handler
 * method and its attributes, the invoker the workers call, and the payload converter interface with its default.
 */
@NullMarked
package io.github.swooletask.spring.handler;

import org.jspecify.annotations.NullMarked;
