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
    }
}
