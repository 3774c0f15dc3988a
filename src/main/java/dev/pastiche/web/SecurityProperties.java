package dev.pastiche.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * API keys ({@code pastiche.security.api-keys}, a comma list): when set, every {@code /v1/**} call
 * needs {@code Authorization: Bearer <key>}, and a job is visible only to the key that created it.
 */
@ConfigurationProperties("pastiche.security")
public record SecurityProperties(@DefaultValue List<String> apiKeys) {
}
