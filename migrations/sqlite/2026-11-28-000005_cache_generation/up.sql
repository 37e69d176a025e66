-- Moves on after every successful write: instances sharing the database compare it (at most once
-- a second) to their own response caches, which they empty when it has moved.
CREATE TABLE cache_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO cache_generation (id, value) VALUES (1, 0);
