-- How far each purge endpoint (a caching proxy or CDN, `DATELINE_PURGE_URLS`) has been sent the
-- rows of `cache_invalidations`: an outbox cursor per endpoint. One instance at a time holds an
-- endpoint's lease and sends its purges; the cursor moves only after the endpoint accepted them,
-- so a purge is retried until it is delivered, and invalidation rows are kept until every
-- endpoint has been sent them.
CREATE TABLE cache_purges (
    endpoint     TEXT PRIMARY KEY,
    last_id      BIGINT NOT NULL,
    leased_by    TEXT,
    leased_until TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL
);
