package io.github.swooletask;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The rooms of core and who may see whom, as the README's module map draws them. */
class ArchitectureTest {

    private static final String BASE = "io.github.swooletask";

    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(BASE);
    }

    private static String room(String name) {
        return BASE + "." + name + "..";
    }

    @Test
    void coreNeverSeesSpring() {
        check(noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "tools.jackson..")
            .because("core is plain Java"));
    }

    @Test
    void onlyTheNativeClassesSeeJnrFfi() {
        check(noClasses().that().haveNameNotMatching("io\\.github\\.swooletask\\.(sysv\\.Native|wire\\.NativeFiles)(\\$.*)?").should()
            .dependOnClassesThat().resideInAPackage("jnr..")
            .because("native calls live behind two package-private classes: the queue calls and the spill file calls"));
    }

    @Test
    void theTransportApiSeesNoImplementationAndNoCodec() {
        check(classes().that().resideInAPackage(room("transport")).should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "org.jspecify..", room("transport")));
    }

    @Test
    void transportsKnowNothingOfEachOther() {
        check(noClasses().that().resideInAPackage(room("sysv")).should().dependOnClassesThat()
            .resideInAnyPackage(room("unix"), room("memory"), room("redis")));
        check(noClasses().that().resideInAPackage(room("unix")).should().dependOnClassesThat()
            .resideInAnyPackage(room("sysv"), room("memory"), room("redis")));
        check(noClasses().that().resideInAPackage(room("memory")).should().dependOnClassesThat()
            .resideInAnyPackage(room("sysv"), room("unix"), room("redis")));
        check(noClasses().that().resideInAPackage(room("redis")).should().dependOnClassesThat()
            .resideInAnyPackage(room("sysv"), room("unix"), room("memory")));
        check(noClasses().that().resideOutsideOfPackage(room("redis")).should().dependOnClassesThat()
            .resideInAPackage("io.lettuce..").because("Lettuce is optional: only the Redis transport may use it"));
    }

    @Test
    void transportsKnowNothingOfWorkersDispatchersOrPhp() {
        check(noClasses().that().resideInAnyPackage(room("sysv"), room("unix"), room("memory"), room("redis")).should()
            .dependOnClassesThat().resideInAnyPackage(room("worker"), room("dispatch"), room("php")));
    }

    @Test
    void theCodecsSeeNoTransportWorkerOrDispatcher() {
        check(noClasses().that().resideInAnyPackage(room("wire"), room("php"), room("concurrent")).should()
            .dependOnClassesThat().resideInAnyPackage(room("transport"), room("sysv"), room("unix"), room("memory"),
                    room("worker"), room("dispatch")));
        check(noClasses().that().resideInAPackage(room("php")).should().dependOnClassesThat()
            .resideInAPackage(room("wire")));
    }

    @Test
    void workersSeeTheTransportApiOnly() {
        check(noClasses().that().resideInAPackage(room("worker")).should().dependOnClassesThat()
            .resideInAnyPackage(room("sysv"), room("unix"), room("memory"), room("redis"), room("dispatch"),
                    room("php")));
        check(noClasses().that().resideInAPackage(room("dispatch")).should().dependOnClassesThat()
            .resideInAnyPackage(room("sysv"), room("unix"), room("memory"), room("redis"), room("php")));
    }

    @Test
    void repliesToOtherProgramsGoThroughTheTransportApi() {
        check(noClasses().that().resideInAPackage(room("reply")).should().dependOnClassesThat()
            .resideInAnyPackage(room("sysv"), room("unix"), room("memory"), room("redis"), room("dispatch")));
        check(noClasses().that().resideOutsideOfPackage(room("reply")).should().dependOnClassesThat()
            .resideInAPackage(room("reply")).because("the reply package sits on top: only the integration wires it"));
    }

    private static void check(ArchRule rule) {
        rule.check(core);
    }
}
