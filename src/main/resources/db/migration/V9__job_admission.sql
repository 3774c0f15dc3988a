-- One row that every submission locks (SELECT ... FOR UPDATE) while it counts the queue and inserts
-- its jobs: counting and inserting apart let concurrent submissions on any node all see room for one
-- and overfill pastiche.jobs.max-queued (seen: 21 queued of 20 under a flood of 16 connections).
CREATE TABLE job_admission (
    id INT PRIMARY KEY
);
INSERT INTO job_admission (id) VALUES (1);
