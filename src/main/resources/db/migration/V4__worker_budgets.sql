-- Each node that runs style-transfer jobs advertises its memory budget here, refreshed while it
-- lives; a node that takes a request refuses only what no live worker could admit.
CREATE TABLE worker_budget (
    node_id      VARCHAR(64)              PRIMARY KEY,
    budget_bytes BIGINT                   NOT NULL,
    seen_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
