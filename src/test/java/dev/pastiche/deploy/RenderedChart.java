package dev.pastiche.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The manifests {@code helm template} renders from helm/pastiche, parsed as YAML, with the few
 * look-ups the tests need. Rendering goes through helm-java's bundled Helm library: no binary, no cluster.
 */
record RenderedChart(List<Manifest> manifests) {

    static final Path CHART = Path.of("helm/pastiche");
    static final String RELEASE = "pst";

    static RenderedChart render() {
        return render(UnaryOperator.identity());
    }

    /** Renders with values set the way {@code --set} would ({@code command.set("worker.keda.enabled", true)}). */
    static RenderedChart render(UnaryOperator<TemplateCommand> values) {
        String yaml = values.apply(new Helm(CHART).template().withName(RELEASE).withNamespace("pastiche")).call();
        List<Manifest> manifests = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (document != null) {
                manifests.add(new Manifest(cast(document)));
            }
        }
        return new RenderedChart(manifests);
    }

    List<Manifest> ofKind(String kind) {
        return manifests.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    Manifest get(String kind, String name) {
        return manifests.stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " among " + manifests.stream()
                        .map(m -> m.kind() + "/" + m.name()).toList()));
    }

    Manifest deployment(String component) {
        return get("Deployment", RELEASE + "-pastiche-" + component);
    }

    @SuppressWarnings("unchecked")
    static <T> T cast(Object value) {
        return (T) value;
    }

    /** One Kubernetes object; {@link #at} walks a dotted path of map keys and list indexes. */
    record Manifest(Map<String, Object> body) {

        String kind() {
            return (String) body.get("kind");
        }

        String name() {
            return at("metadata.name");
        }

        <T> T at(String path) {
            Object node = body;
            for (String key : path.split("\\.")) {
                if (node instanceof List<?> list) {
                    node = list.get(Integer.parseInt(key));
                } else if (node instanceof Map<?, ?> map) {
                    node = map.get(key);
                } else {
                    return null;
                }
            }
            return cast(node);
        }

        Map<String, Object> container() {
            List<Map<String, Object>> containers = at("spec.template.spec.containers");
            assert containers.size() == 1 : "one container per pod";
            return containers.get(0);
        }

        /** The container's env as name → value (or "secret:name/key" for a Secret reference). */
        Map<String, String> env() {
            List<Map<String, Object>> env = cast(container().get("env"));
            Map<String, String> byName = new LinkedHashMap<>();
            for (Map<String, Object> variable : env) {
                Map<String, Object> secret = new Manifest(variable).at("valueFrom.secretKeyRef");
                byName.put((String) variable.get("name"), secret == null ? Objects.toString(variable.get("value"))
                        : "secret:" + secret.get("name") + "/" + secret.get("key"));
            }
            return byName;
        }
    }
}
