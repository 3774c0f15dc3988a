-- Transfer-learning classifiers (issue 17): a head trained on the frozen network's features. The
-- uploaded images are one blob (a zip in upload order), kept until the head is trained; the head's
-- weights are another (safetensors). labels holds each image's class index, in upload order.
CREATE TABLE classifier (
    id           UUID PRIMARY KEY,
    owner        VARCHAR(64)              NOT NULL,
    status       VARCHAR(16)              NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE,
    finished_at  TIMESTAMP WITH TIME ZONE,
    options      TEXT                     NOT NULL,
    classes      TEXT                     NOT NULL,
    labels       TEXT                     NOT NULL,
    images_blob  CHAR(64),
    progress     TEXT,
    result       TEXT,
    head_blob    CHAR(64),
    error_type   VARCHAR(64),
    error_detail TEXT
);

CREATE INDEX classifier_owner ON classifier (owner, created_at);
CREATE INDEX classifier_status ON classifier (status);
