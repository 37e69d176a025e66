-- What each write invalidated, for the other instances sharing the database: they read the rows
-- added since their last look (at most once a second) and drop the cached answers that depend on
-- the keys named (space-separated Surrogate-Keys; `*` for everything). Rows older than an hour
-- are removed by the writers. Replaces the single counter that made every write empty every
-- instance's whole cache.
DROP TABLE cache_generation;
CREATE TABLE cache_invalidations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    keys       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cache_invalidations_created_at ON cache_invalidations (created_at);
