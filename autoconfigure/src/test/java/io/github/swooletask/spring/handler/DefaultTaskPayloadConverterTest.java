package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.TypeFactory;

import io.github.swooletask.reply.ResultEncoder.EncodedResult;
import io.github.swooletask.spring.handler.TaskPayloadConverter.PayloadReader;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.WireFormat;

import static io.github.swooletask.support.Frames.decoded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link DefaultTaskPayloadConverter}: payloads out, and back in as each parameter type, from JSON and PHP serialize.
 */
class DefaultTaskPayloadConverterTest {

    private final DefaultTaskPayloadConverter converter = new DefaultTaskPayloadConverter(JsonMapper.builder().build());

    private final TypeFactory types = this.converter.jsonMapper().getTypeFactory();

    private static DecodedTask task(int flags, byte[] payload) {
        return decoded(OutgoingTask.of(flags, payload), 9, TaskFlags.NONBLOCK);
    }

    private static DecodedTask task(int flags, String payload) {
        return task(flags, payload.getBytes(StandardCharsets.UTF_8));
    }

    private Object convert(DecodedTask task, Class<?> type) throws FrameRejectedException {
        return this.converter.fromPayload(task, this.converter.javaType(type));
    }

    private Object convert(DecodedTask task, JavaType type) throws FrameRejectedException {
        return this.converter.fromPayload(task, type);
    }

    private RejectReason rejection(DecodedTask task, Class<?> type) {
        return catchThrowableOfType(FrameRejectedException.class, () -> convert(task, type)).reason();
    }

    @Test
    void stringsAndBytesTravelAsTheyAreEverythingElseAsJson() {
        assertThat(this.converter.flagsFor("text")).isZero();
        assertThat(this.converter.flagsFor(new byte[] { 1 })).isZero();
        assertThat(this.converter.flagsFor(new Point(1, 2))).isEqualTo(TaskFlags.JSON);
        assertThat(this.converter.toBytes("grüße")).isEqualTo("grüße".getBytes(StandardCharsets.UTF_8));
        byte[] raw = { 0, (byte) 0xFF };
        assertThat(this.converter.toBytes(raw)).isSameAs(raw);
        assertThat(new String(this.converter.toBytes(new Point(3, 4)), StandardCharsets.UTF_8))
            .isEqualTo("{\"x\":3,\"y\":4}");
        assertThatIllegalArgumentException().isThrownBy(() -> this.converter.toBytes(new Unwritable()))
            .withMessageContaining("cannot write the task payload of type " + Unwritable.class.getName() + " as JSON");
    }

    @Test
    void rawPayloadsBecomeStringBytesAndReadOnlyBuffers() throws Exception {
        DecodedTask task = task(0, "héllo");
        assertThat(convert(task, String.class)).isEqualTo("héllo");
        assertThat(convert(task, byte[].class)).isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));
        Object buffer = convert(task, ByteBuffer.class);
        assertThat(buffer).isInstanceOfSatisfying(ByteBuffer.class, (view) -> {
            assertThat(view.isReadOnly()).isTrue();
            assertThat(StandardCharsets.UTF_8.decode(view).toString()).isEqualTo("héllo");
        });
        assertThat(convert(task, Object.class)).as("plain text for Object").isEqualTo("héllo");
    }

    @Test
    void jsonBecomesMapsListsRecordsAndObjects() throws Exception {
        DecodedTask map = task(TaskFlags.JSON, "{\"a\":1,\"b\":[true,null]}");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", 1);
        expected.put("b", Arrays.asList(true, null));
        assertThat(convert(map, this.types.constructMapType(Map.class, String.class, Object.class)))
            .isEqualTo(expected);
        assertThat(convert(map, Object.class)).as("JSON for Object").isEqualTo(expected);
        assertThat(convert(task(TaskFlags.JSON, "[1,2,3]"), this.types.constructCollectionType(List.class,
                Integer.class))).isEqualTo(List.of(1, 2, 3));
        assertThat(convert(task(TaskFlags.JSON, "{\"x\":3,\"y\":4}"), Point.class)).isEqualTo(new Point(3, 4));
        assertThat(convert(task(TaskFlags.JSON, "\"quoted\""), String.class)).as("a String takes the text as is")
            .isEqualTo("\"quoted\"");
    }

    @Test
    void phpSerializeDataBecomesScalarsMapsListsAndRecords() throws Exception {
        assertThat(convert(task(TaskFlags.SERIALIZE, "s:5:\"hello\";"), String.class)).isEqualTo("hello");
        assertThat(convert(task(TaskFlags.SERIALIZE, "i:42;"), Object.class)).isEqualTo(42L);
        assertThat(convert(task(TaskFlags.SERIALIZE, "a:2:{i:0;s:1:\"a\";i:1;s:1:\"b\";}"), Object.class))
            .isEqualTo(List.of("a", "b"));
        assertThat(convert(task(TaskFlags.SERIALIZE, "a:2:{i:0;s:1:\"a\";i:1;s:1:\"b\";}"),
                this.types.constructCollectionType(List.class, String.class))).isEqualTo(List.of("a", "b"));
        DecodedTask assoc = task(TaskFlags.SERIALIZE, "a:2:{s:1:\"x\";i:3;s:1:\"y\";i:4;}");
        assertThat(convert(assoc, Object.class)).isEqualTo(Map.of("x", 3L, "y", 4L));
        assertThat(convert(assoc, this.types.constructMapType(Map.class, String.class, Object.class)))
            .isEqualTo(Map.of("x", 3L, "y", 4L));
        assertThat(convert(assoc, Point.class)).isEqualTo(new Point(3, 4));
        assertThat(convert(assoc, byte[].class)).as("the raw bytes, whatever the flags")
            .isEqualTo("a:2:{s:1:\"x\";i:3;s:1:\"y\";i:4;}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void payloadsThatCannotBecomeTheTypeAreBadPayloads() {
        byte[] notUtf8 = { 'a', (byte) 0xC3, (byte) 0x28 };
        assertThat(rejection(task(0, notUtf8), String.class)).isEqualTo(RejectReason.BAD_PAYLOAD);
        assertThat(rejection(task(0, notUtf8), Object.class)).isEqualTo(RejectReason.BAD_PAYLOAD);
        assertThat(catchThrowableOfType(FrameRejectedException.class, () -> convert(task(0, notUtf8), String.class)))
            .hasMessageContaining("task 9: payload is not valid UTF-8 text");

        assertThat(rejection(task(TaskFlags.JSON, "{not json"), Point.class)).isEqualTo(RejectReason.BAD_PAYLOAD);
        assertThat(catchThrowableOfType(FrameRejectedException.class,
                () -> convert(task(TaskFlags.JSON, "{not json"),
                        Point.class))).hasMessageContaining("payload is not JSON");
        assertThat(rejection(task(0, "plain text"), Point.class)).as("text without the JSON flag for a record")
            .isEqualTo(RejectReason.BAD_PAYLOAD);

        assertThat(rejection(task(TaskFlags.SERIALIZE, "a:2:{i:0;"), Object.class)).as("broken PHP data")
            .isEqualTo(RejectReason.BAD_PAYLOAD);
        assertThat(catchThrowableOfType(FrameRejectedException.class,
                () -> convert(task(TaskFlags.SERIALIZE, "s:3:\"abc\";"), Point.class)))
            .hasMessageContaining("PHP data cannot become")
            .extracting(FrameRejectedException::reason).isEqualTo(RejectReason.BAD_PAYLOAD);
    }

    @Test
    void encodeGivesFlagsAndBytesOfTheLayout() {
        EncodedPayload json = this.converter.encode(new Point(3, 4), WireFormat.SWOOLE_1_7);
        assertThat(json.flags()).isEqualTo(TaskFlags.JSON);
        assertThat(new String(json.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":3,\"y\":4}");
        EncodedPayload php = this.converter.encode(new Point(3, 4), WireFormat.SWOOLE_6_1);
        assertThat(php.flags()).as("PHP's task workers read serialize()").isEqualTo(TaskFlags.SERIALIZE);
        assertThat(new String(php.bytes(), StandardCharsets.UTF_8)).isEqualTo("a:2:{s:1:\"x\";i:3;s:1:\"y\";i:4;}");
        EncodedPayload text = this.converter.encode("grüße", WireFormat.SWOOLE_4_8);
        assertThat(text.flags()).isZero();
        assertThat(text.bytes()).isEqualTo("grüße".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReaderReadsIntoTheParameterTypeItWasMadeFor() throws Exception {
        Method method = Readers.class.getMethod("points", List.class);
        PayloadReader reader = this.converter.readerFor(MethodParameter.forExecutable(method, 0));
        assertThat(reader.read(task(TaskFlags.JSON, "[{\"x\":1,\"y\":2}]"))).isEqualTo(List.of(new Point(1, 2)));
        assertThat(reader.read(task(TaskFlags.SERIALIZE, "a:1:{i:0;a:2:{s:1:\"x\";i:5;s:1:\"y\";i:6;}}")))
            .isEqualTo(List.of(new Point(5, 6)));
    }

    @Test
    void resultsAreWrittenInTheKindOfDataTheRequestWas() {
        EncodedResult php = this.converter.encodeResult(task(TaskFlags.SERIALIZE, "i:1;"), Map.of("ok", true));
        assertThat(php.flags()).isEqualTo(TaskFlags.SERIALIZE);
        assertThat(new String(php.bytes(), StandardCharsets.UTF_8)).isEqualTo("a:1:{s:2:\"ok\";b:1;}");
        EncodedResult json = this.converter.encodeResult(task(TaskFlags.JSON, "{}"), "text");
        assertThat(json.flags()).isEqualTo(TaskFlags.JSON);
        assertThat(new String(json.bytes(), StandardCharsets.UTF_8)).isEqualTo("\"text\"");
        DecodedTask plain = task(0, "hello");
        assertThat(this.converter.encodeResult(plain, "text").bytes())
            .isEqualTo("text".getBytes(StandardCharsets.UTF_8));
        assertThat(this.converter.encodeResult(plain, null)).satisfies((nothing) -> {
            assertThat(nothing.flags()).isZero();
            assertThat(nothing.bytes()).isEmpty();
        });
        EncodedResult object = this.converter.encodeResult(plain, new Point(1, 2));
        assertThat(object.flags()).as("an object for a text request").isEqualTo(TaskFlags.JSON);
        assertThat(new String(object.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":1,\"y\":2}");
        assertThatIllegalArgumentException().isThrownBy(() -> this.converter.encodeResult(plain, new Unwritable()))
            .withMessageContaining("cannot write the result as JSON");
    }

    record Point(int x, int y) {
    }

    /** Handler signatures for readers. */
    static class Readers {

        public void points(List<Point> points) {
        }
    }

    /** A bean whose property cannot be read. */
    static class Unwritable {

        public int getValue() {
            throw new IllegalStateException("no value");
        }
    }
}
