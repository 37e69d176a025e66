DROP INDEX articles_slug_visibility;

DROP TABLE article_documents;
CREATE TABLE article_documents (
    article_id   INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    stamp        BIGINT NOT NULL DEFAULT 0,
    generation   BIGINT NOT NULL,
    fingerprint  TEXT NOT NULL,
    detail       TEXT NOT NULL,
    detail_keys  TEXT NOT NULL,
    summary      TEXT NOT NULL,
    summary_keys TEXT NOT NULL
);

DROP INDEX comments_root;
CREATE INDEX comments_root ON comments (root_id, status, created_at);
