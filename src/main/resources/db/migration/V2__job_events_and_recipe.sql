-- event_seq numbers every change a client can see (progress, preview, end), for SSE ids and
-- Last-Event-ID; recipe records what a finished job needs to be reproduced exactly.
ALTER TABLE style_transfer_job ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE style_transfer_job ADD COLUMN recipe TEXT;
