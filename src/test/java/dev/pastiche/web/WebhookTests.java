package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Standard Webhooks delivery to a receiver on loopback (allowed here), signature checked independently. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"pastiche.weights.source=random",
        "pastiche.webhooks.allow-private=true", "pastiche.webhooks.secret=" + WebhookTests.SECRET,
        "pastiche.webhooks.retry-delays=200ms,200ms"})
class WebhookTests {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @LocalServerPort
    int port;

    private ApiClient api;
    private HttpServer receiver;
    private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        api = new ApiClient(port);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(Map.of("id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "signature", exchange.getRequestHeaders().getFirst("webhook-signature"), "body", body));
            // the first delivery fails, so the retry is exercised
            exchange.sendResponseHeaders(calls.incrementAndGet() == 1 ? 500 : 204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    @Test
    void theEndOfAJobIsDeliveredSignedAndRetriedUntilAccepted() throws Exception {
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        ApiClient.Multipart body = new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", "{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\", \"webhook\": {\"url\": \"" + url
                        + "\", \"events\": [\"style-transfer.succeeded\"]}}");
        String id = json(api.post("/v1/style-transfers", body)).get("id").asString();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (received.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(received).hasSize(2);
        for (Map<String, String> delivery : received) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
            String signed = delivery.get("id") + "." + delivery.get("timestamp") + "." + delivery.get("body");
            String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
            assertThat(delivery.get("signature")).isEqualTo(expected);
            JsonNode payload = json(delivery.get("body"));
            assertThat(payload.get("type").asString()).isEqualTo("style-transfer.succeeded");
            assertThat(payload.get("data").get("id").asString()).isEqualTo(id);
        }
        assertThat(received.get(1).get("id")).isEqualTo(received.get(0).get("id"));
        // the job lists the delivery: one failed attempt, then the one accepted
        JsonNode webhook = json(api.get("/v1/style-transfers/" + id)).get("webhook");
        assertThat(webhook.get("url").asString()).isEqualTo(url);
        JsonNode delivery = webhook.get("deliveries").get(0);
        assertThat(delivery.get("event").asString()).isEqualTo("style-transfer.succeeded");
        assertThat(delivery.get("attempts").asInt()).isEqualTo(2);
        assertThat(delivery.get("lastStatus").asString()).isEqualTo("204");
        assertThat(delivery.get("deliveredAt").isNull()).isFalse();
    }

    /** A delivery owed is a row every node polls for: one written by a process that died is delivered by the next. */
    @Test
    void aDeliveryOwedBeforeARestartIsDeliveredAfterIt() throws Exception {
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        calls.set(1); // accept at once
        java.util.UUID job = java.util.UUID.randomUUID();
        // as a process that died after finishing the job would have left it: owed, never attempted
        jdbc.sql("""
                INSERT INTO webhook_delivery (id, job_id, event, url, body, next_attempt_at, created_at)
                VALUES ('msg_owed', :job, 'style-transfer.succeeded', :url, '{"type":"style-transfer.succeeded"}', :at, :at)""")
                .param("job", job).param("url", url).param("at", java.time.OffsetDateTime.now().minusMinutes(1)).update();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.stream().noneMatch(r -> r.get("id").equals("msg_owed")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }

        assertThat(received).extracting(r -> r.get("id")).contains("msg_owed");
        assertThat(jdbc.sql("SELECT delivered_at FROM webhook_delivery WHERE id = 'msg_owed'").query(java.time.OffsetDateTime.class)
                .single()).isNotNull();
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;
}
