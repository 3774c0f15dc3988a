-- Webhook deliveries, durable: one row per event a job owes its webhook, kept until delivered or
-- given up, so that a delivery owed when a process dies is made by whichever node polls next.
-- id is the Standard Webhooks webhook-id receivers dedupe by; next_attempt_at is null once done.
CREATE TABLE webhook_delivery (
    id              VARCHAR(200)             PRIMARY KEY,
    job_id          UUID                     NOT NULL,
    event           VARCHAR(64)              NOT NULL,
    url             TEXT                     NOT NULL,
    body            TEXT                     NOT NULL,
    attempts        INTEGER                  NOT NULL DEFAULT 0,
    last_status     VARCHAR(64),
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    delivered_at    TIMESTAMP WITH TIME ZONE,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at);
CREATE INDEX webhook_delivery_job ON webhook_delivery (job_id);
