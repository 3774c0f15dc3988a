package dev.pastiche.job;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers job events per the Standard Webhooks spec: {@code webhook-id}, {@code webhook-timestamp}
 * and {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, retried with
 * back-off ({@code pastiche.webhooks.retry-delays}) until the receiver answers 2xx. Deliveries wait
 * in memory: a restart drops the pending retries of that node.
 */
@Component
class WebhookSender implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    private final WebhooksProperties properties;
    private final JsonMapper json;
    private final HttpClient http;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "webhooks");
        thread.setDaemon(true);
        return thread;
    });

    WebhookSender(WebhooksProperties properties, JsonMapper json) {
        this.properties = properties;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(properties.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Validates a webhook at submission. */
    void check(Webhook webhook) {
        if (properties.secret() == null || properties.secret().isBlank()) {
            // signed with an empty key, anyone could forge a delivery
            throw new IllegalArgumentException("this service has no webhook signing secret: set pastiche.webhooks.secret "
                    + "(PASTICHE_WEBHOOKS_SECRET, e.g. whsec_ and 24+ random bytes in base64) to send webhooks, or leave the webhook out");
        }
        WebhookTargets.check(webhook.url(), properties.allowPrivate());
        if (webhook.events() != null) {
            for (String event : webhook.events()) {
                if (!Webhook.EVENTS.contains(event)) {
                    throw new IllegalArgumentException("webhook.events may hold " + Webhook.EVENTS + ", not " + event);
                }
            }
        }
    }

    /** Sends the event of a finished job, if its webhook asks for it. */
    void announce(JobRecord job, Webhook webhook) {
        String event = "style-transfer." + job.status().label();
        if (webhook == null || !webhook.wants(event)) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", job.id());
        data.put("status", job.status().label());
        data.put("links", Map.of("self", "/v1/style-transfers/" + job.id(), "result", "/v1/style-transfers/" + job.id() + "/result"));
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("type", event);
        payload.put("timestamp", Instant.now().toString());
        payload.put("data", data);
        String body = json.writeValueAsString(payload);
        String messageId = "msg_" + job.id() + "_" + job.status().label();
        retries.execute(() -> attempt(webhook.url(), messageId, body, 0));
    }

    private void attempt(String url, String messageId, String body, int attempt) {
        try {
            URI target = WebhookTargets.check(url, properties.allowPrivate());
            long timestamp = Instant.now().getEpochSecond();
            HttpRequest request = HttpRequest.newBuilder(target).timeout(properties.timeout())
                    .header("Content-Type", "application/json")
                    .header("webhook-id", messageId)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", "v1," + sign(messageId + "." + timestamp + "." + body))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status / 100 == 2) {
                return;
            }
            retry(url, messageId, body, attempt, "HTTP " + status);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            retry(url, messageId, body, attempt, e.getClass().getSimpleName());
        }
    }

    private void retry(String url, String messageId, String body, int attempt, String why) {
        if (attempt >= properties.retryDelays().size()) {
            log.warn("Webhook {} gave up after {} attempts ({})", messageId, attempt + 1, why);
            return;
        }
        Duration delay = properties.retryDelays().get(attempt);
        log.info("Webhook {} failed ({}); retrying in {}", messageId, why, delay);
        retries.schedule(() -> attempt(url, messageId, body, attempt + 1), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Standard Webhooks: the key is the base64 after {@code whsec_}; a plain secret is used as its UTF-8 bytes. */
    String sign(String content) throws GeneralSecurityException {
        String secret = properties.secret() == null ? "" : properties.secret();
        byte[] key = secret.startsWith("whsec_") ? Base64.getDecoder().decode(secret.substring(6)) : secret.getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void destroy() {
        retries.shutdownNow();
    }
}
