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
        ModelInfo info = model.info();
        builder.withDetail("variant", info.variant().id()).withDetail("device", info.device());
        if (!model.ready()) {
            builder.down().withDetail("reason", model.unavailableReason());
            return;
        }
        builder.up().withDetail("weights", info.weights().source()).withDetail("pretrained", info.weights().pretrained());
    }
}
