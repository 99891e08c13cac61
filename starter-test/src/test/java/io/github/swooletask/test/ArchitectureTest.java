package io.github.swooletask.test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The test support by role: the harness never sees the auto-configurations; no kernel transport anywhere. */
class ArchitectureTest {

    private static JavaClasses support;

    @BeforeAll
    static void importModule() {
        support = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.swooletask.test");
    }

    @Test
    void theHarnessNeverSeesTheAutoConfigurations() {
        noClasses().that().resideOutsideOfPackage("io.github.swooletask.test.autoconfigure..").should()
            .dependOnClassesThat().resideInAnyPackage("io.github.swooletask.test.autoconfigure..",
                    "io.github.swooletask.spring.autoconfigure..")
            .because("the auto-configuration assembles the harness, not the other way round")
            .check(support);
    }

    @Test
    void noKernelTransportIsUsed() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.github.swooletask.sysv..",
                "io.github.swooletask.unix..", "io.github.swooletask.redis..")
            .because("tests on the test support run without a kernel queue, a socket or Redis")
            .check(support);
    }
}
