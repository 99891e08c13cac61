package io.github.swooletask.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.github.swooletask.php.PhpUnserializer;

/**
 * {@link PhpUnserializer} on a small PHP array as a PHP client sends it with the SERIALIZE flag (PHP's
 * {@code serialize(['id' => 42, 'name' => 'hello', 'price' => 9.5, 'tags' => ['x', 'y'], 'ok' => true])}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PhpUnserializerBenchmark {

    static final String SMALL_ARRAY = "a:5:{s:2:\"id\";i:42;s:4:\"name\";s:5:\"hello\";s:5:\"price\";d:9.5;"
            + "s:4:\"tags\";a:2:{i:0;s:1:\"x\";i:1;s:1:\"y\";}s:2:\"ok\";b:1;}";

    private ByteBuffer data;

    @Setup
    public void setUp() {
        this.data = ByteBuffer.wrap(SMALL_ARRAY.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes the array into a LinkedHashMap with a nested List. */
    @Benchmark
    public Object smallArray() {
        return PhpUnserializer.read(this.data);
    }
}
