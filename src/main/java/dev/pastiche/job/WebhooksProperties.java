package dev.pastiche.job;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Webhook delivery ({@code pastiche.webhooks.*}).
 *
 * @param secret the signing secret, Standard Webhooks style ({@code whsec_} + base64) or any text
 * @param allowPrivate allow targets on loopback, link-local and private addresses (off: they are refused, against SSRF)
 * @param retryDelays the waits before each retry of a failed delivery
 */
@Validated
@ConfigurationProperties("pastiche.webhooks")
public record WebhooksProperties(
        String secret,
        @DefaultValue("false") boolean allowPrivate,
        @DefaultValue({"5s", "30s", "2m", "10m", "30m"}) @NotNull List<Duration> retryDelays,
        @DefaultValue("10s") @NotNull Duration timeout) {
}
