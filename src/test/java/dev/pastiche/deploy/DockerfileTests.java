package dev.pastiche.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.deploy.RenderedChart.Manifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The images' runtime configuration, read from docker/Dockerfile and docker/Dockerfile.cuda (no
 * Docker engine here): what the service and the chart rely on.
 */
class DockerfileTests {

    private static final Dockerfile CPU = Dockerfile.read(Path.of("docker/Dockerfile"));
    private static final Dockerfile CUDA = Dockerfile.read(Path.of("docker/Dockerfile.cuda"));

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void entrypointRunsTheLayeredJarOfflineInExecForm(String path) {
        Dockerfile dockerfile = Dockerfile.read(Path.of(path));
        List<String> entrypoint = entrypoint(dockerfile);

        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint).contains("-Dai.djl.offline=true");
        assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", "app.jar");
        // app.jar is the application layer of the jar the build stage names app.jar, copied into WORKDIR
        assertThat(dockerfile.runtime().arguments("WORKDIR")).containsExactly("/app");
        assertThat(dockerfile.runtime().arguments("COPY")).contains(
                "--from=build /layers/dependencies/ ./", "--from=build /layers/spring-boot-loader/ ./",
                "--from=build /layers/snapshot-dependencies/ ./", "--from=build /layers/application/ ./");
        assertThat(String.join(" ", build(dockerfile).arguments("RUN")))
                .contains("cp target/pastiche-*.jar /app.jar")
                .contains("java -Djarmode=tools -jar /app.jar extract --layers --destination /layers");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void startsFromTheClassDataArchiveATrainingRunWrote(String path) {
        Dockerfile dockerfile = Dockerfile.read(Path.of(path));
        // the archive is only valid for the jar and JVM it was written with: the runtime stage's own
        String training = String.join(" ", dockerfile.runtime().arguments("RUN"));
        assertThat(training).contains("java -XX:ArchiveClassesAtExit=app.jsa -Dspring.context.exit=onRefresh")
                .contains("-jar app.jar").contains("--pastiche.weights.source=random").contains("jdbc:h2:mem:");
        assertThat(entrypoint(dockerfile)).contains("-XX:SharedArchiveFile=app.jsa");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void runsAsTheNumericNonRootUserTheChartExpects(String path) {
        Dockerfile dockerfile = Dockerfile.read(Path.of(path));
        List<String> user = dockerfile.runtime().arguments("USER");

        assertThat(user).hasSize(1);
        assertThat(user.get(0)).matches("\\d+:\\d+");
        String uid = user.get(0).split(":")[0];
        assertThat(Integer.parseInt(uid)).isPositive();
        Manifest api = RenderedChart.render().deployment("api");
        assertThat(api.<Integer>at("spec.template.spec.securityContext.runAsUser")).isEqualTo(Integer.parseInt(uid));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void preloadsJemallocFromTheDebianPackage(String path) {
        Dockerfile dockerfile = Dockerfile.read(Path.of(path));

        assertThat(dockerfile.runtimeEnv()).containsEntry("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
        // without it jemalloc purges every ≥ 8 MiB block at once: 1.5–4× slower steps than glibc
        assertThat(dockerfile.runtimeEnv().get("MALLOC_CONF")).contains("oversize_threshold:0");
        assertThat(String.join(" ", dockerfile.runtime().arguments("RUN"))).contains("install").contains("libjemalloc2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void writablePathsBelongToTheUserAndTheChartMountsThem(String path) {
        Dockerfile dockerfile = Dockerfile.read(Path.of(path));
        String djlCache = dockerfile.runtimeEnv().get("DJL_CACHE_DIR");
        String user = dockerfile.runtime().arguments("USER").get(0);
        String runs = String.join(" ", dockerfile.runtime().arguments("RUN"));

        assertThat(djlCache).startsWith("/");
        assertThat(runs).containsPattern("chown " + user + " [^&]*" + djlCache).containsPattern("chown " + user + " [^&]*/app/data");
        for (String component : List.of("api", "worker")) {
            Manifest container = new Manifest(RenderedChart.render().deployment(component).container());
            assertThat(container.<List<Map<String, Object>>>at("volumeMounts")).extracting(m -> m.get("mountPath"))
                    .as(component).contains(djlCache, "/app/data", "/tmp");
        }
    }

    @Test
    void theCpuImageLaysOutTheCpuNativesItShips() {
        Map<String, String> env = CPU.runtimeEnv();

        assertThat(env).containsEntry("PYTORCH_FLAVOR", "cpu");
        assertNativesWhereDjlLooks(CPU, "cpu");
        // the natives the build script unpacks are the ones the service is tested with
        assertThat(getClass().getClassLoader().getResource("pytorch/cpu/linux-x86_64/libtorch_cpu.so")).isNotNull();
    }

    @Test
    void theCudaImageAsksForAFlavorDjlHasAJniLibraryFor() {
        Map<String, String> env = CUDA.runtimeEnv();

        assertThat(env.get("PYTORCH_FLAVOR")).startsWith("cu");
        assertNativesWhereDjlLooks(CUDA, env.get("PYTORCH_FLAVOR"));
        assertThat(env).containsEntry("NVIDIA_DRIVER_CAPABILITIES", "compute,utility");
    }

    @Test
    void noStageIsAlpine() {
        Stream.of(CPU, CUDA).flatMap(d -> d.stages().stream()).forEach(stage ->
                assertThat(stage.from()).as(stage.name()).doesNotContainIgnoringCase("alpine"));
        assertThat(CPU.runtime().from()).contains("-jre-");
        assertThat(CUDA.runtime().from()).isEqualTo(CPU.runtime().from());
    }

    @Test
    void exposesThePortTheChartProbes() {
        Manifest api = RenderedChart.render().deployment("api");
        Object port = new Manifest(api.container()).at("ports.0.containerPort");

        assertThat(CPU.runtime().arguments("EXPOSE")).containsExactly(String.valueOf(port));
        assertThat(CUDA.runtime().arguments("EXPOSE")).containsExactly(String.valueOf(port));
    }

    private void assertNativesWhereDjlLooks(Dockerfile dockerfile, String flavor) {
        String engineCache = dockerfile.runtimeEnv().get("ENGINE_CACHE_DIR");
        assertThat(dockerfile.runtime().arguments("COPY")).contains("--from=build /natives/ " + engineCache + "/");
        assertThat(String.join(" ", build(dockerfile).arguments("RUN"))).containsPattern("libtorch.sh \\S+ /layers/dependencies/lib /natives");
        // LibUtils takes the JNI library for the flavor from the pytorch-jni jar
        assertThat(getClass().getClassLoader().getResource("jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so"))
                .as("pytorch-jni has a %s JNI library", flavor).isNotNull();
    }

    private static Dockerfile.Stage build(Dockerfile dockerfile) {
        return dockerfile.stages().stream().filter(s -> "build".equals(s.name())).findFirst().orElseThrow();
    }

    private static List<String> entrypoint(Dockerfile dockerfile) {
        List<String> entrypoints = dockerfile.runtime().arguments("ENTRYPOINT");
        assertThat(entrypoints).hasSize(1);
        assertThat(entrypoints.get(0)).as("exec form").startsWith("[");
        return List.of(JsonMapper.builder().build().readValue(entrypoints.get(0), String[].class));
    }
}
