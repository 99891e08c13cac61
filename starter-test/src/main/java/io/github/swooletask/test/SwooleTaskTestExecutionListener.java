package io.github.swooletask.test;

import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Resets the {@link SwooleTaskTestHarness} of the test's application context before every test method, so that a
 * context cached between tests starts each one afresh. Registered for every test through
 * {@code META-INF/spring.factories}; a context without the harness is left alone.
 */
public class SwooleTaskTestExecutionListener extends AbstractTestExecutionListener {

    /** After Spring's own listeners have prepared the test instance, before the Mockito and transaction ones. */
    @Override
    public int getOrder() {
        return 2_100;
    }

    @Override
    public void beforeTestMethod(TestContext testContext) {
        if (testContext.hasApplicationContext()) {
            ApplicationContext context = testContext.getApplicationContext();
            context.getBeanProvider(SwooleTaskTestHarness.class).ifAvailable(SwooleTaskTestHarness::reset);
        }
    }
}
