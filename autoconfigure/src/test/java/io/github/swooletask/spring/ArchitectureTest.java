package io.github.swooletask.spring;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.swooletask.sysv.KernelLimits;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** autoconfigure by role: runtime classes never see the auto-configurations; only the factory sees the transports. */
class ArchitectureTest {

    private static JavaClasses spring;

    @BeforeAll
    static void importModule() {
        spring = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.swooletask.spring");
    }

    @Test
    void runtimeClassesNeverSeeTheAutoConfigurations() {
        noClasses().that().resideOutsideOfPackage("io.github.swooletask.spring.autoconfigure..").should()
            .dependOnClassesThat().resideInAPackage("io.github.swooletask.spring.autoconfigure..")
            .because("the auto-configurations assemble the runtime classes, not the other way round")
            .check(spring);
    }

    @Test
    void theAutoConfigurationsOfActuatorPartsSeeOnlyTheirOwnRuntimePackage() {
        noClasses().that().resideInAPackage("io.github.swooletask.spring.autoconfigure.health..").should()
            .dependOnClassesThat().resideInAnyPackage("io.github.swooletask.spring.metrics..",
                    "io.github.swooletask.spring.endpoint..")
            .check(spring);
        noClasses().that().resideInAPackage("io.github.swooletask.spring.autoconfigure.metrics..").should()
            .dependOnClassesThat().resideInAnyPackage("io.github.swooletask.spring.health..",
                    "io.github.swooletask.spring.endpoint..")
            .check(spring);
        noClasses().that().resideInAPackage("io.github.swooletask.spring.autoconfigure.endpoint..").should()
            .dependOnClassesThat().resideInAnyPackage("io.github.swooletask.spring.health..",
                    "io.github.swooletask.spring.metrics..")
            .check(spring);
    }

    @Test
    void onlyTheTransportFactoryAndDiagnosticsSeeConcreteTransports() {
        DescribedPredicate<JavaClass> concreteTransports = resideInAnyPackage("io.github.swooletask.sysv..",
                "io.github.swooletask.unix..", "io.github.swooletask.memory..")
            .and(not(equivalentTo(KernelLimits.class)));
        noClasses().that().resideOutsideOfPackage("io.github.swooletask.spring.autoconfigure..")
            .and().resideOutsideOfPackage("io.github.swooletask.spring.redis..").should()
            .dependOnClassesThat(concreteTransports)
            .because("handlers, metrics, health and the endpoint work with any transport (the endpoint shows the"
                    + " kernel's queue limits, so it may read KernelLimits; spring.redis holds the Redis transport's"
                    + " own pieces)")
            .check(spring);
    }
}
