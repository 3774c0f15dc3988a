package dev.pastiche.job;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Pastiche's job table (Flyway V1), plain SQL that runs on H2 and PostgreSQL. */
@Repository
class JobRepository {

    private final JdbcClient jdbc;

    JobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(JobRecord job) {
        jdbc.sql("""
                INSERT INTO style_transfer_job (id, owner, status, created_at, options, content_blob, style_blobs, mask_blobs,
                idempotency_key, request_hash, batch_id, batch_label)
                VALUES (:id, :owner, :status, :createdAt, :options, :content, :styles, :masks, :idempotencyKey, :requestHash, :batch,
                :label)""")
                .param("id", job.id()).param("owner", job.owner()).param("status", job.status().name())
                .param("createdAt", time(job.createdAt())).param("options", job.options())
                .param("content", job.contentBlob()).param("styles", String.join(",", job.styleBlobs()))
                .param("masks", job.maskBlobs().isEmpty() ? null : String.join(",", job.maskBlobs()))
                .param("idempotencyKey", job.idempotencyKey()).param("requestHash", job.requestHash())
                .param("batch", job.batchId()).param("label", job.batchLabel())
                .update();
    }

    /**
     * Inserts the job if the queue has room for it; false, inserting nothing, when it has not. The
     * admission row's lock makes count and insert one step across every node, so no submission takes
     * the queue past {@code maxQueued} (a job JobRunr retries comes back to it regardless).
     */
    @Transactional
    boolean insertIfRoom(JobRecord job, int maxQueued) {
        if (!roomFor(1, maxQueued)) {
            return false;
        }
        insert(job);
        return true;
    }

    /** A batch and its jobs in one transaction, if the queue has room for all of them: all or nothing. */
    @Transactional
    boolean insertBatchIfRoom(UUID batch, String owner, String mode, Instant createdAt, List<JobRecord> batchJobs, int maxQueued) {
        if (!roomFor(batchJobs.size(), maxQueued)) {
            return false;
        }
        jdbc.sql("INSERT INTO style_transfer_batch (id, owner, mode, created_at) VALUES (:id, :owner, :mode, :at)")
                .param("id", batch).param("owner", owner).param("mode", mode).param("at", time(createdAt)).update();
        batchJobs.forEach(this::insert);
        return true;
    }

    /** Locks the admission row until the transaction ends, then counts: no other submission counts meanwhile. */
    private boolean roomFor(int jobs, int maxQueued) {
        jdbc.sql("SELECT id FROM job_admission WHERE id = 1 FOR UPDATE").query(Integer.class).single();
        return countQueued() + jobs <= maxQueued;
    }

    Optional<String> batchMode(UUID batch, String owner) {
        return jdbc.sql("SELECT mode FROM style_transfer_batch WHERE id = :id AND owner = :owner")
                .param("id", batch).param("owner", owner).query(String.class).optional();
    }

    List<JobRecord> batchJobs(UUID batch) {
        return jdbc.sql("SELECT * FROM style_transfer_job WHERE batch_id = :batch ORDER BY batch_label")
                .param("batch", batch).query(JobRepository::row).list();
    }

    Optional<JobRecord> findByIdempotencyKey(String owner, String key) {
        return jdbc.sql("SELECT * FROM style_transfer_job WHERE owner = :owner AND idempotency_key = :key")
                .param("owner", owner).param("key", key).query(JobRepository::row).optional();
    }

    Optional<JobRecord> find(UUID id) {
        return jdbc.sql("SELECT * FROM style_transfer_job WHERE id = :id").param("id", id).query(JobRepository::row).optional();
    }

    /** Newest first; {@code after} is the last job of the previous page. */
    List<JobRecord> page(String owner, JobStatus status, JobRecord after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM style_transfer_job WHERE owner = :owner");
        if (status != null) {
            sql.append(" AND status = :status");
        }
        if (after != null) {
            sql.append(" AND (created_at < :createdAt OR (created_at = :createdAt AND id < :id))");
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT :limit");
        JdbcClient.StatementSpec statement = jdbc.sql(sql.toString()).param("owner", owner).param("limit", limit);
        if (status != null) {
            statement = statement.param("status", status.name());
        }
        if (after != null) {
            statement = statement.param("createdAt", time(after.createdAt())).param("id", after.id());
        }
        return statement.query(JobRepository::row).list();
    }

    List<JobRecord> finishedBefore(Instant cutoff, int limit) {
        return jdbc.sql("""
                SELECT * FROM style_transfer_job WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND finished_at < :cutoff
                ORDER BY finished_at LIMIT :limit""").param("cutoff", time(cutoff)).param("limit", limit).query(JobRepository::row).list();
    }

    long countQueued() {
        return count(JobStatus.QUEUED);
    }

    long count(JobStatus status) {
        return jdbc.sql("SELECT COUNT(*) FROM style_transfer_job WHERE status = :status").param("status", status.name())
                .query(Long.class).single();
    }

    /** QUEUED → RUNNING; false when the job is no longer queued (cancelled, or already taken). */
    boolean start(UUID id, Instant at) {
        return jdbc.sql("UPDATE style_transfer_job SET status = 'RUNNING', started_at = :at, event_seq = event_seq + 1 WHERE id = :id AND status IN ('QUEUED', 'RUNNING')")
                .param("at", time(at)).param("id", id).update() == 1;
    }

    void progress(UUID id, String progress, String previewBlob) {
        jdbc.sql("UPDATE style_transfer_job SET progress = :progress, preview_blob = COALESCE(:preview, preview_blob), event_seq = event_seq + 1 WHERE id = :id")
                .param("progress", progress).param("preview", previewBlob).param("id", id).update();
    }

    /** Queued counts as running here too (see {@link #checkpoint(UUID, String)}): a live worker's result stands. */
    void succeed(UUID id, Instant at, String resultBlob, String result, String progress, String recipe) {
        jdbc.sql("""
                UPDATE style_transfer_job SET status = 'SUCCEEDED', finished_at = :at, result_blob = :blob, result = :result,
                progress = :progress, recipe = :recipe, event_seq = event_seq + 1 WHERE id = :id AND status IN ('RUNNING', 'QUEUED')""")
                .param("at", time(at)).param("blob", resultBlob).param("result", result).param("progress", progress)
                .param("recipe", recipe)
                .param("id", id).update();
    }

    void fail(UUID id, Instant at, String type, String detail) {
        jdbc.sql("""
                UPDATE style_transfer_job SET status = 'FAILED', finished_at = :at, error_type = :type, error_detail = :detail,
                event_seq = event_seq + 1 WHERE id = :id AND status IN ('QUEUED', 'RUNNING')""")
                .param("at", time(at)).param("type", type).param("detail", detail).param("id", id).update();
    }

    /** The job's latest preview, if it has one. */
    Optional<String> preview(UUID id) {
        return jdbc.sql("SELECT preview_blob FROM style_transfer_job WHERE id = :id").param("id", id).query(String.class).optional()
                .filter(key -> key != null);
    }

    /** The job's latest checkpoint, if it has one. */
    Optional<String> checkpoint(UUID id) {
        return jdbc.sql("SELECT checkpoint_blob FROM style_transfer_job WHERE id = :id").param("id", id).query(String.class).optional()
                .filter(key -> key != null);
    }

    /**
     * Records a running job's new checkpoint; false when the job has ended (its blob is then the
     * caller's to drop). Queued counts as running: JobRunr may have declared a slow worker dead and
     * queued its job again while the worker goes on.
     */
    boolean checkpoint(UUID id, String blob) {
        return jdbc.sql("UPDATE style_transfer_job SET checkpoint_blob = :blob WHERE id = :id AND status IN ('RUNNING', 'QUEUED')")
                .param("blob", blob).param("id", id).update() == 1;
    }

    /** Forgets the job's checkpoint (it finished, or the checkpoint is unreadable). */
    void clearCheckpoint(UUID id) {
        jdbc.sql("UPDATE style_transfer_job SET checkpoint_blob = NULL WHERE id = :id").param("id", id).update();
    }

    /** Running and queued jobs created before {@code before}: the ones whose JobRunr job should exist by now. */
    List<UUID> unfinishedBefore(Instant before) {
        return jdbc.sql("SELECT id FROM style_transfer_job WHERE status IN ('QUEUED', 'RUNNING') AND created_at < :before")
                .param("before", time(before)).query(UUID.class).list();
    }

    /** A running job JobRunr will retry goes back to the queue; true when it did (it may have ended meanwhile). */
    boolean requeue(UUID id) {
        return jdbc.sql("UPDATE style_transfer_job SET status = 'QUEUED', event_seq = event_seq + 1 WHERE id = :id AND status = 'RUNNING'")
                .param("id", id).update() == 1;
    }

    /** Marks a running job for cancellation and cancels a queued one at once; finished jobs are unchanged. */
    void cancel(UUID id, Instant at) {
        jdbc.sql("UPDATE style_transfer_job SET cancel_requested = TRUE WHERE id = :id AND status IN ('QUEUED', 'RUNNING')")
                .param("id", id).update();
        jdbc.sql("UPDATE style_transfer_job SET status = 'CANCELLED', finished_at = :at, event_seq = event_seq + 1 WHERE id = :id AND status = 'QUEUED'")
                .param("at", time(at)).param("id", id).update();
    }

    void cancelled(UUID id, Instant at) {
        jdbc.sql("UPDATE style_transfer_job SET status = 'CANCELLED', finished_at = :at, event_seq = event_seq + 1 WHERE id = :id AND status IN ('QUEUED', 'RUNNING')")
                .param("at", time(at)).param("id", id).update();
    }

    boolean cancelRequested(UUID id) {
        return jdbc.sql("SELECT cancel_requested FROM style_transfer_job WHERE id = :id").param("id", id)
                .query(Boolean.class).optional().orElse(true);
    }

    void delete(UUID id) {
        jdbc.sql("DELETE FROM style_transfer_job WHERE id = :id").param("id", id).update();
    }

    /** Whether any job still refers to the blob, so that deleting one job never removes another's image. */
    boolean referenced(String blob) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM style_transfer_job WHERE content_blob = :blob OR preview_blob = :blob OR result_blob = :blob
                OR checkpoint_blob = :blob OR style_blobs LIKE :like OR mask_blobs LIKE :like""")
                .param("blob", blob).param("like", "%" + blob + "%").query(Long.class).single() > 0;
    }

    private static List<String> blobList(String column) {
        return column == null ? List.of() : Arrays.asList(column.split(","));
    }

    /** A timestamp as both databases take it: UTC, with its offset. */
    static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }

    private static JobRecord row(ResultSet rs, int n) throws SQLException {
        return new JobRecord(rs.getObject("id", UUID.class), rs.getString("owner"), JobStatus.valueOf(rs.getString("status")),
                instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "finished_at"), rs.getString("options"),
                rs.getString("content_blob"), Arrays.asList(rs.getString("style_blobs").split(",")), blobList(rs.getString("mask_blobs")), rs.getString("progress"),
                rs.getString("preview_blob"), rs.getString("result_blob"), rs.getString("result"), rs.getString("error_type"),
                rs.getString("error_detail"), rs.getBoolean("cancel_requested"), rs.getString("idempotency_key"),
                rs.getString("request_hash"), rs.getLong("event_seq"), rs.getString("recipe"), rs.getObject("batch_id", UUID.class),
                rs.getString("batch_label"));
    }

    /** Every blob key a job refers to, in one scan: the orphan sweep's view of this table ({@link #referenced} asks for one). */
    Set<String> blobKeys() {
        Set<String> keys = new HashSet<>();
        jdbc.sql("SELECT content_blob, style_blobs, mask_blobs, preview_blob, result_blob, checkpoint_blob FROM style_transfer_job")
                .query((ResultSet rs) -> {
                    keys.add(rs.getString("content_blob"));
                    keys.addAll(blobList(rs.getString("style_blobs")));
                    keys.addAll(blobList(rs.getString("mask_blobs")));
                    keys.add(rs.getString("preview_blob"));
                    keys.add(rs.getString("result_blob"));
                    keys.add(rs.getString("checkpoint_blob"));
                });
        keys.remove(null);
        return keys;
    }
}
