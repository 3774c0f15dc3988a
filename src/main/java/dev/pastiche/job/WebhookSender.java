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
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers job events per the Standard Webhooks spec: {@code webhook-id}, {@code webhook-timestamp}
 * and {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, retried with
 * back-off ({@code pastiche.webhooks.retry-delays}) until the receiver answers 2xx. Durable: each
 * delivery a job owes is a row ({@link WebhookDeliveries}) that every node polls for, so a delivery
 * owed when a process dies is made after it (at least once; receivers dedupe by {@code webhook-id}).
 */
@Component
class WebhookSender {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    /** Deliveries attempted per poll: the rest wait for the next. */
    private static final int BATCH = 20;

    private final WebhooksProperties properties;
    private final JsonMapper json;
    private final HttpClient http;
    private final WebhookDeliveries deliveries;

    WebhookSender(WebhooksProperties properties, JsonMapper json, WebhookDeliveries deliveries) {
        this.properties = properties;
        this.json = json;
        this.deliveries = deliveries;
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
        deliveries.add(messageId, job.id(), event, webhook.url(), body, Instant.now());
    }

    /** Attempts every delivery that is due, on this node, one at a time. */
    @Scheduled(fixedDelayString = "${pastiche.webhooks.poll-interval:PT1S}")
    void deliverDue() {
        for (WebhookDeliveries.Delivery delivery : deliveries.due(Instant.now(), BATCH)) {
            // held for longer than an attempt can take (connect, then the whole answer, each within the
            // timeout); a node that dies holding it lets it fall due again
            Instant claimed = Instant.now().plus(properties.timeout().multipliedBy(3)).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
            if (!deliveries.claim(delivery, claimed)) {
                continue;
            }
            int attempts = delivery.attempts() + 1;
            String status = attempt(delivery.url(), delivery.id(), delivery.body());
            if (status.startsWith("2")) {
                deliveries.attempted(delivery.id(), claimed, attempts, status, Instant.now(), null);
            } else if (attempts > properties.retryDelays().size()) {
                log.warn("Webhook {} gave up after {} attempts ({})", delivery.id(), attempts, status);
                deliveries.attempted(delivery.id(), claimed, attempts, status, null, null);
            } else {
                Duration delay = properties.retryDelays().get(attempts - 1);
                log.info("Webhook {} failed ({}); retrying in {}", delivery.id(), status, delay);
                deliveries.attempted(delivery.id(), claimed, attempts, status, null, Instant.now().plus(delay));
            }
        }
    }

    /** One attempt: the receiver's status code, or what went wrong. */
    private String attempt(String url, String messageId, String body) {
        try {
            URI target = WebhookTargets.check(url, properties.allowPrivate());
            long timestamp = Instant.now().getEpochSecond();
            HttpRequest request = HttpRequest.newBuilder(target).timeout(properties.timeout())
                    .header("Content-Type", "application/json")
                    .header("webhook-id", messageId)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", "v1," + sign(messageId + "." + timestamp + "." + body))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
            // the request's own timeout covers only the wait for the headers: a receiver that trickles its answer is cut off here
            var answer = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
            try {
                return Integer.toString(answer.get(properties.timeout().multipliedBy(2).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                        .statusCode());
            } catch (java.util.concurrent.ExecutionException e) {
                return (e.getCause() != null ? e.getCause() : e).getClass().getSimpleName();
            } finally {
                answer.cancel(true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            // the kind of failure, never its message: it could carry the target's internals into the job's listing
            return e.getClass().getSimpleName();
        }
    }

    /** Standard Webhooks: the key is the base64 after {@code whsec_}; a plain secret is used as its UTF-8 bytes. */
    String sign(String content) throws GeneralSecurityException {
        String secret = properties.secret() == null ? "" : properties.secret();
        byte[] key = secret.startsWith("whsec_") ? Base64.getDecoder().decode(secret.substring(6)) : secret.getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Drops what a deleted job still owed. */
    void forget(UUID jobId) {
        deliveries.deleteOfJob(jobId);
    }

    /** The job's deliveries, for its view. */
    List<WebhookDeliveries.Delivery> deliveriesOf(UUID jobId) {
        return deliveries.ofJob(jobId);
    }
}
