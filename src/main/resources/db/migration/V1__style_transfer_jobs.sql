-- Pastiche's own tables (JobRunr keeps its own). Plain SQL that H2 (MODE=PostgreSQL) and
-- PostgreSQL both run. Rows hold blob keys (hex SHA-256), never image bytes.
CREATE TABLE style_transfer_job (
    id              UUID PRIMARY KEY,
    owner           VARCHAR(64)              NOT NULL,
    status          VARCHAR(16)              NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE,
    finished_at     TIMESTAMP WITH TIME ZONE,
    options         TEXT                     NOT NULL,
    content_blob    CHAR(64)                 NOT NULL,
    style_blobs     TEXT                     NOT NULL,
    progress        TEXT,
    preview_blob    CHAR(64),
    result_blob     CHAR(64),
    result          TEXT,
    error_type      VARCHAR(64),
    error_detail    TEXT,
    cancel_requested BOOLEAN                 NOT NULL DEFAULT FALSE,
    idempotency_key VARCHAR(255),
    request_hash    CHAR(64)
);

CREATE INDEX style_transfer_job_page ON style_transfer_job (owner, created_at, id);
CREATE INDEX style_transfer_job_status ON style_transfer_job (status);
CREATE UNIQUE INDEX style_transfer_job_idempotency ON style_transfer_job (owner, idempotency_key);
