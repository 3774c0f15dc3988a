package dev.pastiche.perception;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Readiness of the model: UP once an extractor is loaded; DOWN, with the reason, when none could be. */
@Component("model")
class ModelHealthIndicator extends AbstractHealthIndicator {

    private final PerceptionModel model;

    ModelHealthIndicator(PerceptionModel model) {
        super("Model health check failed");
        this.model = model;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        // never model.info(): readiness must not wait for the weights' digest
        builder.withDetail("variant", model.variant().id()).withDetail("device", model.device());
        if (!model.ready()) {
            builder.down().withDetail("reason", model.unavailableReason());
            return;
        }
        FeatureExtractor extractor = model.extractor();
        builder.up().withDetail("weights", extractor.weightsSource()).withDetail("pretrained", extractor.pretrained());
    }
}
