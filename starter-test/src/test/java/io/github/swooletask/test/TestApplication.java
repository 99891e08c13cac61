package io.github.swooletask.test;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The application the module's {@code @SpringBootTest}s start. */
@SpringBootApplication
class TestApplication {
}
