package io.github.swooletask.spring.handler;

import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

import io.github.swooletask.php.PhpSerializeException;
import io.github.swooletask.php.PhpSerializer;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.reply.ResultEncoder.EncodedResult;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.WireFormat;

/**
 * The {@link TaskPayloadConverter} the starter configures: turns payloads into bytes for dispatch, back into handler
 * arguments, and handler results into replies, with Jackson for Java objects and swoole-task's PHP codec for
 * {@code serialize()} data. Extend it, or delegate to it, to change how some types travel.
 *
 * <p>Outbound: a {@code String} travels as raw UTF-8 and a {@code byte[]} as is (so PHP consumers could read them
 * too); any other object travels as JSON under the {@link TaskFlags#JSON} flag.
 *
 * <p>Inbound, by parameter type: {@code byte[]} gets the raw bytes, {@link ByteBuffer} a read-only view valid
 * during the call; {@code String} the UTF-8 text (or the string of SERIALIZE data); {@code Object} whatever the
 * payload decodes to (PHP {@code serialize()} data to {@code Map}/{@code List}/scalars, JSON likewise, plain text
 * to {@code String}); any other type is read by Jackson from JSON, or converted from decoded PHP data. A payload
 * that cannot become the declared type is rejected with {@link RejectReason#BAD_PAYLOAD}.
 *
 * <p>Results for other programs, in the kind of data their request was: PHP {@code serialize()} for a SERIALIZE
 * request, JSON for a JSON request; for a text request a {@code String} as its text, a {@code byte[]} as is, nothing
 * for null, and any other object as JSON (flag JSON).
 */
public class DefaultTaskPayloadConverter implements TaskPayloadConverter {

    private final JsonMapper jsonMapper;

    /** One strict UTF-8 decoder per worker thread, reset for each payload. */
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(
            () -> StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT));

    public DefaultTaskPayloadConverter(JsonMapper jsonMapper) {
        this.jsonMapper = jsonMapper;
    }

    public JsonMapper jsonMapper() {
        return this.jsonMapper;
    }

    /** The flag bits a payload travels with. */
    public int flagsFor(Object payload) {
        return (payload instanceof String || payload instanceof byte[]) ? 0 : TaskFlags.JSON;
    }

    /**
     * The flag bits a payload travels with in a layout: none for text and bytes; for any other object JSON in the
     * 12-byte layout, PHP {@code serialize()} (SERIALIZE) in the 40-byte ones, which Swoole's PHP task workers read.
     */
    public int flagsFor(Object payload, WireFormat format) {
        int flags = flagsFor(payload);
        return (flags == TaskFlags.JSON && format.isDataHead()) ? TaskFlags.SERIALIZE : flags;
    }

    /** The bytes a payload travels as in a layout; see {@link #flagsFor(Object, WireFormat)}. */
    public byte[] toBytes(Object payload, WireFormat format) {
        return (flagsFor(payload, format) == TaskFlags.SERIALIZE) ? toPhpSerialized(payload) : toBytes(payload);
    }

    /** {@link #flagsFor(Object, WireFormat)} and {@link #toBytes(Object, WireFormat)} together. */
    @Override
    public EncodedPayload encode(Object payload, WireFormat format) {
        int flags = flagsFor(payload, format);
        return new EncodedPayload(flags, (flags == TaskFlags.SERIALIZE) ? toPhpSerialized(payload) : toBytes(payload));
    }

    /** Reads with {@link #fromPayload} into the parameter's generic type, resolved once here. */
    @Override
    public PayloadReader readerFor(MethodParameter parameter) {
        JavaType type = javaType(parameter.getGenericParameterType());
        return (task) -> fromPayload(task, type);
    }

    @Override
    public EncodedResult encodeResult(DecodedTask request, @Nullable Object result) {
        int flags = request.flags();
        if ((flags & TaskFlags.SERIALIZE) != 0) {
            return new EncodedResult(TaskFlags.SERIALIZE, toPhpSerialized(result));
        }
        EncodedResult plain = ((flags & TaskFlags.JSON) == 0) ? EncodedResult.plain(result) : null;
        if (plain != null) {
            return plain;
        }
        try {
            return new EncodedResult(TaskFlags.JSON, this.jsonMapper.writeValueAsBytes(result));
        }
        catch (JacksonException ex) {
            throw new IllegalArgumentException("cannot write the result as JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    /**
     * A value as PHP {@code serialize()} data: maps, lists, strings, numbers, booleans and null as they are; any other
     * object first as Jackson turns it into maps and lists (a record becomes an array keyed by its components).
     * @throws IllegalArgumentException when the value cannot be written so
     */
    public byte[] toPhpSerialized(@Nullable Object value) {
        try {
            return PhpSerializer.write(value);
        }
        catch (IllegalArgumentException direct) {
            Object plain;
            try {
                plain = this.jsonMapper.convertValue(value, Object.class);
            }
            catch (JacksonException ex) {
                throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as PHP"
                        + " serialize() data: " + ex.getOriginalMessage(), ex);
            }
            return PhpSerializer.write(plain);
        }
    }

    /** The bytes a payload travels as. */
    public byte[] toBytes(Object payload) {
        if (payload instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if (payload instanceof byte[] bytes) {
            return bytes;
        }
        try {
            return this.jsonMapper.writeValueAsBytes(payload);
        }
        catch (JacksonException ex) {
            throw new IllegalArgumentException("cannot write the task payload of type " + payload.getClass().getName()
                    + " as JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    /**
     * A result that came from another instance: PHP {@code serialize()} data and JSON decoded to maps, lists and
     * scalars, anything else as UTF-8 text.
     * @throws IllegalArgumentException when the data does not decode
     */
    @Override
    public @Nullable Object decodeResult(int flags, byte[] payload) {
        if ((flags & TaskFlags.SERIALIZE) != 0) {
            try {
                return PhpUnserializer.read(payload);
            }
            catch (PhpSerializeException ex) {
                throw new IllegalArgumentException("the result is not PHP serialize() data: " + ex.getMessage(), ex);
            }
        }
        if ((flags & TaskFlags.JSON) != 0) {
            try {
                return this.jsonMapper.readValue(payload, Object.class);
            }
            catch (JacksonException ex) {
                throw new IllegalArgumentException("the result is not JSON: " + ex.getOriginalMessage(), ex);
            }
        }
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The Jackson type for a parameter, resolved once per handler. */
    public JavaType javaType(Type type) {
        return this.jsonMapper.getTypeFactory().constructType(type);
    }

    /** Converts the task's payload into an argument of the given type. */
    public Object fromPayload(DecodedTask task, JavaType type) throws FrameRejectedException {
        Class<?> raw = type.getRawClass();
        if (raw == byte[].class) {
            return task.payloadBytes();
        }
        if (raw == ByteBuffer.class) {
            return task.readOnlyPayload();
        }
        int flags = task.flags();
        if ((flags & TaskFlags.SERIALIZE) != 0) {
            Object value = unserialize(task);
            if (raw == Object.class || (raw.isInstance(value) && !type.isContainerType())) {
                return value;
            }
            return convert(task, value, type);
        }
        if (raw == String.class) {
            return text(task);
        }
        if (raw == Object.class && (flags & TaskFlags.JSON) == 0) {
            return text(task);
        }
        try {
            return this.jsonMapper.readValue(task.payloadBytes(), type);
        }
        catch (JacksonException ex) {
            throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId() + ": payload is not"
                    + " JSON for " + type.toCanonical() + ": " + ex.getOriginalMessage());
        }
    }

    private Object unserialize(DecodedTask task) throws FrameRejectedException {
        try {
            return PhpUnserializer.read(task.payload());
        }
        catch (PhpSerializeException ex) {
            throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId() + ": " + ex.getMessage());
        }
    }

    private Object convert(DecodedTask task, Object value, JavaType type) throws FrameRejectedException {
        try {
            return this.jsonMapper.convertValue(value, type);
        }
        catch (JacksonException | IllegalArgumentException ex) {
            throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId()
                    + ": PHP data cannot become " + type.toCanonical() + ": " + ex.getMessage());
        }
    }

    private static String text(DecodedTask task) throws FrameRejectedException {
        try {
            return UTF8.get().reset().decode(task.readOnlyPayload()).toString();
        }
        catch (CharacterCodingException ex) {
            throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId()
                    + ": payload is not valid UTF-8 text");
        }
    }
}
