package io.github.swooletask.spring.autoconfigure;

import org.springframework.core.convert.converter.Converter;

import io.github.swooletask.transport.IpcMode;

/**
 * Binds {@code swoole.task.ipc-mode} from {@code 1}/{@code 2}/{@code 3} or a mode name. YAML gives an unquoted
 * number as an {@code Integer}, which Spring would otherwise bind to an enum by position, hence two converters.
 */
final class IpcModeConverter {

    private IpcModeConverter() {
    }

    /** From text: a number or a name. */
    static final class FromString implements Converter<String, IpcMode> {

        @Override
        public IpcMode convert(String source) {
            return IpcMode.parse(source);
        }
    }

    /** From a YAML number: Swoole's mode number, never the enum position. */
    static final class FromInteger implements Converter<Integer, IpcMode> {

        @Override
        public IpcMode convert(Integer source) {
            return IpcMode.parse(source.toString());
        }
    }
}
