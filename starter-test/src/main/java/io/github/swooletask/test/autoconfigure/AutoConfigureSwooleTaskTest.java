package io.github.swooletask.test.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.test.context.TestPropertySource;

import io.github.swooletask.test.SwooleTaskTestHarness;

/**
 * Runs the test's task workers on the in-memory transport instead of the kernel's queue or socket: sets
 * {@code swoole.task.transport=in-memory}, so that {@link SwooleTaskTestAutoConfiguration} makes the transport and
 * the {@link SwooleTaskTestHarness}, and imports the auto-configurations it needs, so that it works in test slices
 * too. Everything else (handlers, {@code TaskTemplate}, retry, the recoverer, metrics) is the application's own.
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureSwooleTaskTest
 * class ThumbnailTests {
 *     @Autowired TaskOperations tasks;
 *     @Autowired SwooleTaskTestHarness harness;
 *     ...
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
@TestPropertySource(properties = "swoole.task.transport=in-memory")
public @interface AutoConfigureSwooleTaskTest {
}
