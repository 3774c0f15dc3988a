package dev.pastiche.job;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The table {@code webhook_delivery}: what each job owes its webhook, and how each delivery went. */
@Repository
class WebhookDeliveries {

    /** A delivery as stored. */
    record Delivery(String id, UUID jobId, String event, String url, String body, int attempts, String lastStatus,
            Instant nextAttemptAt, Instant deliveredAt) {
    }

    private final JdbcClient jdbc;

    WebhookDeliveries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Owes the delivery, due at once; a second announcement of the same event (a retried job) is the same delivery. */
    void add(String id, UUID jobId, String event, String url, String body, Instant now) {
        try {
            jdbc.sql("""
                    INSERT INTO webhook_delivery (id, job_id, event, url, body, next_attempt_at, created_at)
                    VALUES (:id, :job, :event, :url, :body, :now, :now)""")
                    .param("id", id).param("job", jobId).param("event", event).param("url", url).param("body", body)
                    .param("now", JobRepository.time(now)).update();
        } catch (DuplicateKeyException e) {
            // owed already
        }
    }

    /** Deliveries due by {@code now}, oldest first. */
    List<Delivery> due(Instant now, int limit) {
        return jdbc.sql("SELECT * FROM webhook_delivery WHERE next_attempt_at <= :now ORDER BY next_attempt_at LIMIT :limit")
                .param("now", JobRepository.time(now)).param("limit", limit).query(WebhookDeliveries::row).list();
    }

    /**
     * Takes a due delivery for this node until {@code until}: true for exactly one of the nodes
     * that saw it due, so a delivery is attempted once at a time (at least once, if a node dies
     * holding it: it falls due again at {@code until}).
     */
    boolean claim(Delivery delivery, Instant until) {
        return jdbc.sql("UPDATE webhook_delivery SET next_attempt_at = :until WHERE id = :id AND next_attempt_at = :seen")
                .param("until", JobRepository.time(until)).param("id", delivery.id()).param("seen", JobRepository.time(delivery.nextAttemptAt())).update() == 1;
    }

    /**
     * After an attempt: delivered, due again at {@code next}, or (next null, not delivered) given up.
     * Only while this node still holds its claim: once it lapsed another node owns the delivery.
     */
    void attempted(String id, Instant claimed, int attempts, String status, Instant deliveredAt, Instant next) {
        jdbc.sql("""
                UPDATE webhook_delivery SET attempts = :attempts, last_status = :status, delivered_at = :delivered,
                next_attempt_at = :next WHERE id = :id AND next_attempt_at = :claimed""")
                .param("attempts", attempts).param("status", status).param("delivered", JobRepository.time(deliveredAt)).param("next", JobRepository.time(next))
                .param("id", id).param("claimed", JobRepository.time(claimed)).update();
    }

    List<Delivery> ofJob(UUID jobId) {
        return jdbc.sql("SELECT * FROM webhook_delivery WHERE job_id = :job ORDER BY created_at, id").param("job", jobId)
                .query(WebhookDeliveries::row).list();
    }

    void deleteOfJob(UUID jobId) {
        jdbc.sql("DELETE FROM webhook_delivery WHERE job_id = :job").param("job", jobId).update();
    }

    private static Delivery row(ResultSet rs, int n) throws SQLException {
        return new Delivery(rs.getString("id"), rs.getObject("job_id", UUID.class), rs.getString("event"), rs.getString("url"),
                rs.getString("body"), rs.getInt("attempts"), rs.getString("last_status"), JobRepository.instant(rs, "next_attempt_at"),
                JobRepository.instant(rs, "delivered_at"));
    }
}
