-- Style masks (API.md's spatial control): the blob keys of a job's masks, one per style in the
-- styles' order, comma-separated as style_blobs; NULL for a job without masks.
ALTER TABLE style_transfer_job ADD COLUMN mask_blobs TEXT;
