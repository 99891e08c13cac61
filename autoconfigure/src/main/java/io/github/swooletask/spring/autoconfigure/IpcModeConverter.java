package io.github.swooletask.spring.autoconfigure;

import org.springframework.core.convert.converter.Converter;

import io.github.swooletask.transport.IpcMode;

/** Binds {@code swoole.task.ipc-mode} from {@code 1}/{@code 2}/{@code 3} or a mode name. */
class IpcModeConverter implements Converter<String, IpcMode> {

    @Override
    public IpcMode convert(String source) {
        return IpcMode.parse(source);
    }
}
