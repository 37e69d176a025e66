-- Each public article's answers, rendered at write time (see `src/documents`): the detail as
-- `GET /articles/{slug}` sends it with its Surrogate-Key, and the lean card lists send. A read
-- uses a document only when it was rendered in the current generation and by a server with the
-- same rendering settings (`fingerprint`); anything else is read live. Writes mark the
-- documents of the articles they touch as stale, in their own transaction; a change too wide for
-- that (the site settings, a section, a term used by many articles) moves the generation on.
CREATE TABLE article_documents (
    article_id   BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    -- Moves on at each invalidation: a render stores its result only if the stamp is still the
    -- one it read before reading the article, so a render that raced a write never lands.
    stamp        BIGINT NOT NULL DEFAULT 0,
    -- 0 for a row that only holds a stamp (invalidated, not rendered since).
    generation   BIGINT NOT NULL,
    fingerprint  TEXT NOT NULL,
    detail       TEXT NOT NULL,
    detail_keys  TEXT NOT NULL,
    summary      TEXT NOT NULL,
    summary_keys TEXT NOT NULL
);

CREATE TABLE document_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO document_generation (id, value) VALUES (1, 1);
