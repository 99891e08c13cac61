package io.github.swooletask.spring.handler;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Native-image hints the handlers need whatever the application declares: the method through which the workers run
 * a {@link TaskHandlerEndpoint#function function handler}. (A function's payload type is known only at run time:
 * give it binding hints with {@code @RegisterReflectionForBinding}.)
 */
class TaskHandlerRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        hints.reflection().registerMethod(FunctionHandler.HANDLE, ExecutableMode.INVOKE);
    }
}
