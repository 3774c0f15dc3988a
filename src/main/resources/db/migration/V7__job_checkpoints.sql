-- A running job's latest checkpoint (issue 16): the blob key of its optimisation state, written every
-- pastiche.jobs.checkpoint-interval, read by the next attempt to go on from there; cleared (and the
-- blob deleted) when the job finishes or is deleted.
ALTER TABLE style_transfer_job ADD COLUMN checkpoint_blob CHAR(64);
