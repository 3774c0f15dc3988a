package dev.pastiche.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.pastiche.deploy.RenderedChart.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** helm/pastiche, linted and rendered by the Helm library (helm-java), checked on the rendered manifests. */
class HelmChartTests {

    private static final Pattern VALUES_KEY = Pattern.compile("(\\s*)([A-Za-z][\\w]*):(.*)");

    private static RenderedChart defaults;

    @BeforeAll
    static void renderDefaults() {
        defaults = RenderedChart.render();
    }

    @Test
    void lintsCleanlyInStrictMode() {
        LintResult lint = new Helm(RenderedChart.CHART).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void apiPodsRunNoJobServerAndWorkersRunOneWorkerEach() {
        assertThat(defaults.deployment("api").env()).containsEntry("JOBRUNR_BACKGROUNDJOBSERVER_ENABLED", "false");
        assertThat(defaults.deployment("worker").env())
                .containsEntry("JOBRUNR_BACKGROUNDJOBSERVER_ENABLED", "true")
                .containsEntry("JOBRUNR_BACKGROUNDJOBSERVER_WORKERCOUNT", "1");
    }

    @Test
    void podsUseTheirShareOfTheNodesCoresNotAllOfThem() {
        assertThat(defaults.deployment("api").env()).containsEntry("OMP_NUM_THREADS", "2");
        assertThat(defaults.deployment("worker").env()).containsEntry("OMP_NUM_THREADS", "2");
        RenderedChart four = RenderedChart.render(c -> c.set("worker.cpuThreads", 4));
        assertThat(four.deployment("worker").env()).containsEntry("OMP_NUM_THREADS", "4");
        assertRejected("api.cpuThreads", 0, "/api/cpuThreads");
    }

    @Test
    void onlyWorkersAskForGpus() {
        Map<String, Object> worker = defaults.deployment("worker").container();
        assertThat(new Manifest(worker).<Map<String, Object>>at("resources.limits")).containsEntry("nvidia.com/gpu", 1);
        assertThat((String) worker.get("image")).endsWith("-cuda");
        // workers keep one image size for a whole stage: cuDNN's per-shape tuning pays there
        assertThat(defaults.deployment("worker").env().get("JAVA_TOOL_OPTIONS")).contains("-Dai.djl.pytorch.cudnn_benchmark=true");
        assertThat(defaults.deployment("api").env().get("JAVA_TOOL_OPTIONS")).doesNotContain("cudnn_benchmark");

        Map<String, Object> api = defaults.deployment("api").container();
        assertThat(api.get("resources").toString()).doesNotContain("nvidia.com/gpu");
        assertThat((String) api.get("image")).doesNotEndWith("-cuda");

        RenderedChart cpuWorkers = RenderedChart.render(c -> c.set("worker.gpu.enabled", false));
        Map<String, Object> cpuWorker = cpuWorkers.deployment("worker").container();
        assertThat(cpuWorker.get("resources").toString()).doesNotContain("nvidia.com/gpu");
        assertThat((String) cpuWorker.get("image")).isEqualTo(api.get("image"));
    }

    @Test
    void gpuNodesAreChosenByValues() {
        RenderedChart chart = RenderedChart.render(c -> c.set("worker.nodeSelector.gpu-type", "h100"));

        assertThat(chart.deployment("worker").<Map<String, Object>>at("spec.template.spec.nodeSelector"))
                .containsEntry("gpu-type", "h100");
        assertThat(chart.deployment("worker").<List<Map<String, Object>>>at("spec.template.spec.tolerations"))
                .anySatisfy(t -> assertThat(t).containsEntry("key", "nvidia.com/gpu"));
        assertThat(chart.deployment("api").<Object>at("spec.template.spec.nodeSelector")).isNull();
    }

    @Test
    void probesUseTheActuatorGroupsAndLeaveTimeForModelLoading() {
        for (String component : List.of("api", "worker")) {
            Manifest container = new Manifest(defaults.deployment(component).container());
            assertThat(container.<String>at("livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
            assertThat(container.<String>at("readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
            assertThat(container.<String>at("startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
            int startupSeconds = container.<Integer>at("startupProbe.periodSeconds")
                    * container.<Integer>at("startupProbe.failureThreshold");
            assertThat(startupSeconds).as(component + " startup budget").isGreaterThanOrEqualTo(180);
        }
    }

    @Test
    void podsRunAsNonRootOnAReadOnlyRootWithWritableScratch() {
        for (String component : List.of("api", "worker")) {
            Manifest pod = defaults.deployment(component);
            assertThat(pod.<Boolean>at("spec.template.spec.securityContext.runAsNonRoot")).isTrue();
            assertThat(pod.<Integer>at("spec.template.spec.securityContext.runAsUser")).isPositive();
            Manifest container = new Manifest(pod.container());
            assertThat(container.<Boolean>at("securityContext.readOnlyRootFilesystem")).isTrue();
            assertThat(container.<Boolean>at("securityContext.allowPrivilegeEscalation")).isFalse();
            assertThat(container.<List<String>>at("securityContext.capabilities.drop")).containsExactly("ALL");
            assertThat(container.<List<Map<String, Object>>>at("volumeMounts")).extracting(m -> m.get("mountPath"))
                    .contains("/tmp", "/var/cache/djl", "/app/data");
            assertThat(pod.<List<Map<String, Object>>>at("spec.template.spec.volumes"))
                    .filteredOn(v -> List.of("tmp", "djl-cache", "data").contains(v.get("name")))
                    .hasSize(3).allSatisfy(v -> assertThat(v).containsKey("emptyDir"));
            assertThat(container.<Object>at("resources.requests.cpu")).as(component).isNotNull();
            assertThat(container.<Object>at("resources.requests.memory")).as(component).isNotNull();
            assertThat(container.<Object>at("resources.limits.memory")).as(component).isNotNull();
        }
    }

    @Test
    void requiresPretrainedWeightsByDefault() {
        Map<String, String> config = defaults.get("ConfigMap", "pst-pastiche").at("data");

        assertThat(config).containsEntry("PASTICHE_WEIGHTS_REQUIREPRETRAINED", "true");
    }

    @Test
    void mountsTheWeightsVolumeReadOnlyAndPointsThePathAtIt() {
        RenderedChart chart = RenderedChart.render(c -> c.set("weights.volume.persistentVolumeClaim.claimName", "vgg19")
                .set("weights.path", "/models/vgg19.safetensors")
                .set("weights.sha256", "a".repeat(64)));

        Map<String, String> config = chart.get("ConfigMap", "pst-pastiche").at("data");
        assertThat(config).containsEntry("PASTICHE_WEIGHTS_SOURCE", "file")
                .containsEntry("PASTICHE_WEIGHTS_PATH", "/models/vgg19.safetensors")
                .containsEntry("PASTICHE_WEIGHTS_SHA256", "a".repeat(64));
        Manifest worker = new Manifest(chart.deployment("worker").container());
        assertThat(worker.<List<Map<String, Object>>>at("volumeMounts"))
                .anySatisfy(m -> assertThat(m).containsEntry("mountPath", "/models").containsEntry("readOnly", true));
    }

    @Test
    void secretsAreReferencedNotInlined() {
        RenderedChart chart = RenderedChart.render(c -> c.set("database.password", "pg-secret")
                .set("auth.apiKeys[0]", "key-one").set("webhooks.secret", "whsec_abc")
                .set("storage.s3.accessKey", "AKIA").set("storage.s3.secretKey", "s3-secret"));

        Map<String, String> env = chart.deployment("api").env();
        assertThat(env).containsEntry("SPRING_DATASOURCE_PASSWORD", "secret:pst-pastiche/database-password")
                .containsEntry("PASTICHE_SECURITY_APIKEYS", "secret:pst-pastiche/api-keys")
                .containsEntry("PASTICHE_WEBHOOKS_SECRET", "secret:pst-pastiche/webhook-secret")
                .containsEntry("PASTICHE_STORAGE_S3_SECRETKEY", "secret:pst-pastiche/secret-key");
        assertThat(chart.get("ConfigMap", "pst-pastiche").body().toString())
                .doesNotContain("pg-secret", "key-one", "whsec_abc", "s3-secret");
        assertThat(chart.get("Secret", "pst-pastiche").<Map<String, String>>at("data"))
                .containsKeys("database-password", "api-keys", "webhook-secret", "access-key", "secret-key");

        RenderedChart existing = RenderedChart.render(c -> c.set("database.existingSecret", "pg")
                .set("database.existingSecretKey", "pw"));
        assertThat(existing.deployment("worker").env()).containsEntry("SPRING_DATASOURCE_PASSWORD", "secret:pg/pw");
        assertThat(existing.ofKind("Secret")).isEmpty();
    }

    @Test
    void everyEnvironmentSettingNamesARealProperty() throws IOException {
        Set<String> known = knownPropertiesInEnvironmentForm();
        RenderedChart chart = RenderedChart.render(c -> c.set("database.password", "x").set("auth.apiKeys[0]", "k")
                .set("webhooks.secret", "s").set("storage.s3.accessKey", "a").set("storage.s3.secretKey", "b")
                .set("storage.s3.region", "eu-west-1").set("storage.s3.endpoint", "http://minio:9000")
                .set("weights.path", "/models/w").set("weights.sha256", "b".repeat(64)));
        Map<String, String> config = chart.get("ConfigMap", "pst-pastiche").at("data");
        assertThat(config).containsEntry("PASTICHE_STORAGE_ORPHANSWEEP", "1h").containsEntry("PASTICHE_STORAGE_ORPHANGRACE", "1h");
        Set<String> names = new HashSet<>(config.keySet());
        names.addAll(chart.deployment("api").env().keySet());
        names.addAll(chart.deployment("worker").env().keySet());
        names.remove("JAVA_TOOL_OPTIONS"); // the JVM's, not Spring's
        names.remove("OMP_NUM_THREADS"); // PyTorch's

        assertThat(names).isNotEmpty().allSatisfy(name -> assertThat(known).as(name).contains(name));
    }

    @Test
    void schemaRejectsBadValues() {
        assertRejected("api.replicaCount", "three", "/api/replicaCount");
        assertRejected("worker.replicaCount", -1, "/worker/replicaCount");
        assertRejected("weights.sha256", "not-a-digest", "/weights/sha256");
        assertRejected("worker.memoryBudget", "12 gigs", "/worker/memoryBudget");
        assertRejected("podSecurityContext.runAsNonRoot", false, "/podSecurityContext/runAsNonRoot");
        assertRejected("securityContext.readOnlyRootFilesystem", false, "/securityContext/readOnlyRootFilesystem");
        assertRejected("api.replicas", 3, "'replicas' not allowed");
        assertRejected("storage.orphanGrace", "an hour", "/storage/orphanGrace");
    }

    private static void assertRejected(String key, Object value, String where) {
        assertThatThrownBy(() -> RenderedChart.render(c -> c.set(key, value)))
                .as("%s=%s", key, value)
                .hasMessageContaining("don't meet the specifications of the schema")
                .hasMessageContaining(where);
    }

    @Test
    void aStoppingWorkerHasTimeToCheckpointItsJob() {
        Manifest worker = defaults.deployment("worker");
        assertThat(worker.<Integer>at("spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(120);
        assertThat(new Manifest(worker.container()).<List<String>>at("lifecycle.preStop.exec.command")).containsExactly("sleep", "5");
        // SIGTERM after the sleep; shutdown then waits for the final checkpoint, leaving 20 s for JobRunr and the JVM
        assertThat(worker.env()).containsEntry("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "95s")
                .containsEntry("PASTICHE_JOBS_CHECKPOINTINTERVAL", "30s");
        assertThat(defaults.deployment("api").env()).doesNotContainKey("PASTICHE_JOBS_CHECKPOINTINTERVAL");

        RenderedChart longer = RenderedChart.render(c -> c.set("worker.terminationGracePeriodSeconds", 600).set("worker.preStopSleepSeconds", 10));
        assertThat(longer.deployment("worker").env()).containsEntry("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "570s");
        assertThatThrownBy(() -> RenderedChart.render(c -> c.set("worker.terminationGracePeriodSeconds", 35).set("worker.preStopSleepSeconds", 10)))
                .hasMessageContaining("final checkpoint");
        assertRejected("worker.terminationGracePeriodSeconds", 10, "/worker/terminationGracePeriodSeconds");
        assertRejected("worker.checkpointInterval", "half a minute", "/worker/checkpointInterval");
    }

    @Test
    void kedaScalesWorkersOnTheQueueOnlyWhenEnabled() {
        assertThat(defaults.ofKind("ScaledObject")).isEmpty();
        assertThat(defaults.deployment("worker").<Integer>at("spec.replicas")).isEqualTo(1);

        RenderedChart chart = RenderedChart.render(c -> c.set("worker.keda.enabled", true));
        Manifest scaled = chart.get("ScaledObject", "pst-pastiche-worker");
        assertThat(scaled.<String>at("spec.scaleTargetRef.name")).isEqualTo(chart.deployment("worker").name());
        Map<String, String> trigger = scaled.at("spec.triggers.0.metadata");
        assertThat(scaled.<String>at("spec.triggers.0.type")).isEqualTo("postgresql");
        assertThat(trigger.get("query")).contains("style_transfer_job").contains("'QUEUED'").contains("'RUNNING'");
        assertThat(trigger).containsEntry("targetQueryValue", "1").containsEntry("dbName", "pastiche");
        assertThat(chart.deployment("worker").env()).containsKey(trigger.get("passwordFromEnv"));
        // KEDA owns the replica count; a fixed one would fight it on every upgrade
        assertThat(chart.deployment("worker").<Object>at("spec.replicas")).isNull();
    }

    @Test
    void apiScalesOnCpuAndBothRolesHaveDisruptionBudgets() {
        Manifest hpa = defaults.get("HorizontalPodAutoscaler", "pst-pastiche-api");
        assertThat(hpa.<String>at("spec.scaleTargetRef.name")).isEqualTo("pst-pastiche-api");
        assertThat(defaults.deployment("api").<Object>at("spec.replicas")).isNull();
        assertThat(defaults.ofKind("PodDisruptionBudget")).extracting(Manifest::name)
                .containsExactlyInAnyOrder("pst-pastiche-api", "pst-pastiche-worker");

        Manifest service = defaults.get("Service", "pst-pastiche");
        assertThat(service.<Map<String, Object>>at("spec.selector")).containsEntry("app.kubernetes.io/component", "api");
    }

    @Test
    void ingressAndServiceMonitorAreOptional() {
        assertThat(defaults.ofKind("Ingress")).isEmpty();
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();

        RenderedChart chart = RenderedChart.render(c -> c.set("serviceMonitor.enabled", true).set("ingress.enabled", true));
        Manifest monitor = chart.get("ServiceMonitor", "pst-pastiche");
        assertThat(monitor.<String>at("spec.endpoints.0.path")).isEqualTo("/actuator/prometheus");
        assertThat(chart.get("Ingress", "pst-pastiche").<String>at("spec.rules.0.http.paths.0.backend.service.name"))
                .isEqualTo("pst-pastiche");
    }

    @Test
    void everyValueIsDocumented() throws IOException {
        List<String> lines = Files.readAllLines(RenderedChart.CHART.resolve("values.yaml"));
        // helm-docs style: a value needs a comment right above it, unless a block holding it has a "# --" one
        Deque<int[]> blocks = new ArrayDeque<>(); // {indent, 1 when documented with "# --"}
        int values = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher key = VALUES_KEY.matcher(lines.get(i));
            if (!key.matches()) {
                continue;
            }
            int indent = key.group(1).length();
            while (!blocks.isEmpty() && blocks.peek()[0] >= indent) {
                blocks.pop();
            }
            String above = i > 0 ? lines.get(i - 1).trim() : "";
            boolean coveredByBlock = blocks.stream().anyMatch(b -> b[1] == 1);
            if (!key.group(3).isBlank()) {
                values++;
                assertThat(above.startsWith("#") || coveredByBlock).as("values.yaml line %d (%s) has no comment", i + 1,
                        key.group(2)).isTrue();
            }
            blocks.push(new int[] {indent, above.startsWith("# --") || continuesDocComment(lines, i - 1) ? 1 : 0});
        }
        assertThat(values).isGreaterThan(50);
    }

    /** Whether the comment ending at line {@code last} started with "# --" (multi-line documentation). */
    private static boolean continuesDocComment(List<String> lines, int last) {
        int i = last;
        while (i >= 0 && lines.get(i).trim().startsWith("#")) {
            if (lines.get(i).trim().startsWith("# --")) {
                return true;
            }
            i--;
        }
        return false;
    }

    /** Every property that Spring Boot metadata on the class path declares, as an environment variable name. */
    private static Set<String> knownPropertiesInEnvironmentForm() throws IOException {
        Set<String> names = new HashSet<>();
        JsonMapper json = JsonMapper.builder().build();
        Enumeration<URL> files = HelmChartTests.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                for (JsonNode property : json.readTree(in).path("properties")) {
                    // Spring Boot's relaxed binding from the environment: drop dashes, dots to underscores
                    names.add(property.path("name").asString().replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT));
                }
            }
        }
        return names;
    }
}
