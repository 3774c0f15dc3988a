-- A batch is a set of jobs submitted together (grid: every content with every style; blend: every
-- content with all styles blended); its jobs carry its id and a label naming their inputs.
CREATE TABLE style_transfer_batch (
    id         UUID PRIMARY KEY,
    owner      VARCHAR(64)              NOT NULL,
    mode       VARCHAR(8)               NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

ALTER TABLE style_transfer_job ADD COLUMN batch_id UUID;
ALTER TABLE style_transfer_job ADD COLUMN batch_label VARCHAR(64);
CREATE INDEX style_transfer_job_batch ON style_transfer_job (batch_id);
