package dev.pastiche.web;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Access to the API ({@code pastiche.security.*}).
 *
 * @param apiKeys a comma list: when set, every {@code /v1/**} call needs {@code Authorization: Bearer <key>},
 *        and a job is visible only to the key that created it
 * @param cors the browser origins allowed to call the API from another site; none by default
 * @param rateLimit requests allowed per API key
 */
@Validated
@ConfigurationProperties("pastiche.security")
public record SecurityProperties(@DefaultValue List<String> apiKeys, @DefaultValue @Valid Cors cors,
        @DefaultValue @Valid RateLimit rateLimit) {

    /**
     * A CORS allow-list for web frontends served from other origins.
     *
     * @param allowedOrigins exact origins ({@code https://studio.example.com}) or patterns
     *        ({@code https://*.example.com}); empty: no cross-origin browser calls at all
     * @param maxAge how long a browser may cache a preflight answer
     */
    public record Cors(@DefaultValue List<String> allowedOrigins, @DefaultValue("1h") @NotNull Duration maxAge) {
    }

    /**
     * A token bucket per API key (bucket4j): {@code capacity} requests at once, refilled at
     * {@code requestsPerMinute}. Only keyed requests are limited: an open API has no key to count by.
     *
     * @param enabled off leaves every key unlimited
     */
    public record RateLimit(@DefaultValue("true") boolean enabled, @DefaultValue("600") @Positive int requestsPerMinute,
            @DefaultValue("120") @Positive int capacity) {
    }
}
