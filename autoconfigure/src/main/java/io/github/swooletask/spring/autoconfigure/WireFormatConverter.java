package io.github.swooletask.spring.autoconfigure;

import org.springframework.core.convert.converter.Converter;

import io.github.swooletask.wire.WireFormat;

/** Binds {@code swoole.task.wire-format} from {@code swoole-1.7}, {@code swoole-4.8} or {@code swoole-6.1}. */
final class WireFormatConverter implements Converter<String, WireFormat> {

    @Override
    public WireFormat convert(String source) {
        return WireFormat.parse(source);
    }
}
