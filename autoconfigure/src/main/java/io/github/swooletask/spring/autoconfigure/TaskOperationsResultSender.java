package io.github.swooletask.spring.autoconfigure;

import java.util.function.Supplier;

import org.springframework.beans.factory.ObjectProvider;

import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.handler.TaskResultSender;
import io.github.swooletask.wire.WireFormat;

/**
 * Sends handlers' results on ({@code @SendTo}) with the application's {@link TaskOperations}: the
 * {@code TaskTemplate}, or a bean of the application's own, looked up when first needed (the operations depend on the
 * workers, which depend on the invoker this serves).
 */
final class TaskOperationsResultSender implements TaskResultSender {

    private final ObjectProvider<TaskOperations> operations;

    private final Supplier<WireFormat> wireFormat;

    /** @param wireFormat the layout the dispatcher writes */
    TaskOperationsResultSender(ObjectProvider<TaskOperations> operations, Supplier<WireFormat> wireFormat) {
        this.operations = operations;
        this.wireFormat = wireFormat;
    }

    @Override
    public void checkTarget(String name) {
        WireFormat format = this.wireFormat.get();
        if (format.isDataHead()) {
            throw new IllegalStateException("its results would travel as tasks named '" + name + "', but task names"
                    + " cannot travel in wire format " + format.label() + " (Swoole's PHP task workers read none):"
                    + " set swoole.task.wire-format=swoole-1.7, or remove @SendTo");
        }
    }

    @Override
    public void send(String name, Object result) {
        this.operations.getObject().dispatch(name, result);
    }
}
