package dev.pastiche.classifier;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The classifier table (Flyway V8), plain SQL that runs on H2 and PostgreSQL; structured columns are JSON. */
@Repository
class ClassifierRepository {

    private final JdbcClient jdbc;
    private final JsonMapper json;

    ClassifierRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    void insert(ClassifierRecord c) {
        jdbc.sql("""
                INSERT INTO classifier (id, owner, status, created_at, options, classes, labels, images_blob)
                VALUES (:id, :owner, :status, :createdAt, :options, :classes, :labels, :images)""")
                .param("id", c.id()).param("owner", c.owner()).param("status", c.status().name())
                .param("createdAt", time(c.createdAt())).param("options", json.writeValueAsString(c.options()))
                .param("classes", json.writeValueAsString(c.classes())).param("labels", json.writeValueAsString(c.labels()))
                .param("images", c.imagesBlob()).update();
    }

    Optional<ClassifierRecord> find(UUID id) {
        return jdbc.sql("SELECT * FROM classifier WHERE id = :id").param("id", id).query(this::row).optional();
    }

    boolean exists(UUID id) {
        return jdbc.sql("SELECT COUNT(*) FROM classifier WHERE id = :id").param("id", id).query(Long.class).single() > 0;
    }

    long countQueued() {
        return jdbc.sql("SELECT COUNT(*) FROM classifier WHERE status = 'QUEUED'").query(Long.class).single();
    }

    /**
     * Inserts the classifier if the queue has room for it; false, inserting nothing, when it has not.
     * The admission row's lock makes count and insert one step across every node.
     */
    @Transactional
    boolean insertIfRoom(ClassifierRecord classifier, int maxQueued) {
        jdbc.sql("SELECT id FROM classifier_admission WHERE id = 1 FOR UPDATE").query(Integer.class).single();
        if (countQueued() >= maxQueued) {
            return false;
        }
        insert(classifier);
        return true;
    }

    /** Queued (or running, when a retry picks up an orphan) → running; false when it is neither. */
    boolean start(UUID id, Instant at) {
        return jdbc.sql("UPDATE classifier SET status = 'RUNNING', started_at = :at WHERE id = :id AND status IN ('QUEUED', 'RUNNING')")
                .param("id", id).param("at", time(at)).update() == 1;
    }

    void progress(UUID id, TrainingProgress progress) {
        jdbc.sql("UPDATE classifier SET progress = :progress WHERE id = :id AND status = 'RUNNING'")
                .param("id", id).param("progress", json.writeValueAsString(progress)).update();
    }

    /** Running → succeeded; false when the row is gone (deleted meanwhile). */
    boolean succeed(UUID id, Instant at, String headBlob, TrainingProgress progress, TrainingReport report) {
        return jdbc.sql("""
                UPDATE classifier SET status = 'SUCCEEDED', finished_at = :at, head_blob = :head, progress = :progress,
                result = :result, images_blob = NULL WHERE id = :id AND status = 'RUNNING'""")
                .param("id", id).param("at", time(at)).param("head", headBlob).param("progress", json.writeValueAsString(progress))
                .param("result", json.writeValueAsString(report)).update() == 1;
    }

    void fail(UUID id, Instant at, String type, String detail) {
        jdbc.sql("""
                UPDATE classifier SET status = 'FAILED', finished_at = :at, error_type = :type, error_detail = :detail, images_blob = NULL
                WHERE id = :id AND status IN ('QUEUED', 'RUNNING')""")
                .param("id", id).param("at", time(at)).param("type", type).param("detail", detail).update();
    }

    void delete(UUID id) {
        jdbc.sql("DELETE FROM classifier WHERE id = :id").param("id", id).update();
    }

    /** Whether any classifier still uses the blob: content addressing makes equal uploads, and equal heads, one blob. */
    boolean referenced(String blob) {
        return jdbc.sql("SELECT COUNT(*) FROM classifier WHERE images_blob = :blob OR head_blob = :blob")
                .param("blob", blob).query(Long.class).single() > 0;
    }

    /** Every blob key a classifier refers to, in one scan: the orphan sweep's view of this table. */
    Set<String> blobKeys() {
        Set<String> keys = new HashSet<>();
        jdbc.sql("SELECT images_blob, head_blob FROM classifier").query((ResultSet rs) -> {
            keys.add(rs.getString("images_blob"));
            keys.add(rs.getString("head_blob"));
        });
        keys.remove(null);
        return keys;
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }

    private ClassifierRecord row(ResultSet rs, int n) throws SQLException {
        String progress = rs.getString("progress");
        String result = rs.getString("result");
        return new ClassifierRecord(rs.getObject("id", UUID.class), rs.getString("owner"), ClassifierStatus.valueOf(rs.getString("status")),
                instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "finished_at"),
                json.readValue(rs.getString("options"), ClassifierOptions.class),
                json.readValue(rs.getString("classes"), new TypeReference<List<String>>() { }),
                json.readValue(rs.getString("labels"), int[].class), rs.getString("images_blob"),
                progress == null ? null : json.readValue(progress, TrainingProgress.class),
                result == null ? null : json.readValue(result, TrainingReport.class),
                rs.getString("head_blob"), rs.getString("error_type"), rs.getString("error_detail"));
    }
}
