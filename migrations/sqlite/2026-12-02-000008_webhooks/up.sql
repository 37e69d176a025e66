-- Webhooks: endpoints managed by admins, and a transactional outbox. A write that changes
-- something public records its event, and one delivery per endpoint that wants it, in the same
-- transaction as the change: a rolled-back change emits nothing, a crash after the commit loses
-- nothing. The delivery worker claims due deliveries (a lease, taken with FOR UPDATE SKIP
-- LOCKED on PostgreSQL) and sends them in order per endpoint and resource.
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    description     TEXT,
    -- JSON array of event types.
    events          TEXT NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT 1,
    -- Sealed with a key derived from DATELINE_JWT_SECRET: a database dump alone does not reveal it.
    secret          TEXT NOT NULL,
    -- The secret before the last rotation, also signing until previous_expires_at.
    previous_secret TEXT,
    previous_expires_at TIMESTAMP,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The Standard Webhooks message id (webhook-id), the same on every attempt.
    public_id   TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    -- What the event is about (article-12, section-world): deliveries keep its order.
    resource    TEXT NOT NULL,
    -- The body sent, as it was when the change committed.
    payload     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE INDEX webhook_events_resource ON webhook_events (resource, id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    resource        TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- Held by a worker until then (it is sending the delivery).
    leased_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    completed_at    TIMESTAMP
);
-- The worker's read: pending deliveries by due time.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at, id);
-- Order per endpoint and resource: an earlier pending delivery holds the later ones back.
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, resource, state, id);
-- The delivery log of an endpoint, newest first.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Each try of a delivery: what the receiver answered (status, a bounded excerpt) or why it failed.
CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    at               TIMESTAMP NOT NULL,
    status           INTEGER,
    error            TEXT,
    latency_ms       INTEGER NOT NULL,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- Whether the public has been told that this article is public (its "published" event went
-- out, or it was already public when webhooks arrived). A scheduled article's time coming is
-- no write: the worker finds due, unannounced articles through this index and announces each
-- once.
ALTER TABLE articles ADD COLUMN announced BOOLEAN NOT NULL DEFAULT 0;
UPDATE articles SET announced = (status = 'published' AND deleted_at IS NULL AND published_at <= strftime('%Y-%m-%d %H:%M:%f', 'now'));
CREATE INDEX articles_unannounced ON articles (announced, status, published_at);
