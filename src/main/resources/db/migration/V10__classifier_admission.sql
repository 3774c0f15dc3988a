-- As job_admission (V9), for classifier training: a submission locks this row while it counts the
-- queued classifiers and inserts its own, so pastiche.classifiers.max-queued holds under concurrent
-- submissions on any node.
CREATE TABLE classifier_admission (
    id INT PRIMARY KEY
);
INSERT INTO classifier_admission (id) VALUES (1);
