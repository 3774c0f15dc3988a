package dev.pastiche;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The arrows of ARCHITECTURE.md: web → job → transfer → perception → vgg, web → classify →
 * perception, and web → classifier → perception (classify also reads the classifier's layers from
 * vgg; classifier uses classify's fc7), with image and storage leaves. Each layer below web reaches only the next one down (transfer never reaches past
 * perception into vgg, job never past transfer); web, the entry point, also serves perception's
 * scores and vgg's architecture table directly.
 */
@AnalyzeClasses(packages = "dev.pastiche", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("web").definedBy("dev.pastiche.web..")
            .layer("job").definedBy("dev.pastiche.job..")
            .layer("classifier").definedBy("dev.pastiche.classifier..")
            .layer("storage").definedBy("dev.pastiche.storage..")
            .layer("transfer").definedBy("dev.pastiche.transfer..")
            .layer("classify").definedBy("dev.pastiche.classify..")
            .layer("perception").definedBy("dev.pastiche.perception..")
            .layer("vgg").definedBy("dev.pastiche.vgg..")
            .layer("image").definedBy("dev.pastiche.image..")
            .whereLayer("web").mayNotBeAccessedByAnyLayer()
            .whereLayer("job").mayOnlyBeAccessedByLayers("web")
            .whereLayer("classifier").mayOnlyBeAccessedByLayers("web")
            .whereLayer("storage").mayOnlyBeAccessedByLayers("job", "classifier", "web")
            .whereLayer("transfer").mayOnlyBeAccessedByLayers("job", "web")
            .whereLayer("classify").mayOnlyBeAccessedByLayers("classifier", "web")
            .whereLayer("perception").mayOnlyBeAccessedByLayers("transfer", "classify", "classifier", "web")
            .whereLayer("vgg").mayOnlyBeAccessedByLayers("perception", "classify", "web")
            .whereLayer("image").mayOnlyBeAccessedByLayers("transfer", "perception", "classify", "classifier", "job", "web");

    /** NDArray never crosses out of the numeric packages: the API speaks records and Java types. */
    @ArchTest
    static final ArchRule ndArraysStayInside = noClasses().that().resideInAnyPackage("dev.pastiche.web..", "dev.pastiche.job..", "dev.pastiche.image..", "dev.pastiche.storage..")
            .should().dependOnClassesThat().resideInAPackage("ai.djl..");
}
