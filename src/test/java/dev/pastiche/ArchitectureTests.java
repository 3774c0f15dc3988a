package dev.pastiche;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The dependency direction of ARCHITECTURE.md: web → transfer → perception → vgg, with image a leaf. */
@AnalyzeClasses(packages = "dev.pastiche", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("web").definedBy("dev.pastiche.web..")
            .layer("transfer").definedBy("dev.pastiche.transfer..")
            .layer("perception").definedBy("dev.pastiche.perception..")
            .layer("vgg").definedBy("dev.pastiche.vgg..")
            .layer("image").definedBy("dev.pastiche.image..")
            .whereLayer("web").mayNotBeAccessedByAnyLayer()
            .whereLayer("transfer").mayOnlyBeAccessedByLayers("web")
            .whereLayer("perception").mayOnlyBeAccessedByLayers("transfer", "web")
            .whereLayer("vgg").mayOnlyBeAccessedByLayers("transfer", "perception", "web")
            .whereLayer("image").mayOnlyBeAccessedByLayers("transfer", "perception", "web");

    /** NDArray never crosses out of the numeric packages: the API speaks records and Java types. */
    @ArchTest
    static final ArchRule ndArraysStayInside = noClasses().that().resideInAnyPackage("dev.pastiche.web..", "dev.pastiche.image..")
            .should().dependOnClassesThat().resideInAPackage("ai.djl..");
}
