-- Draft preview links: an editor shares a link that opens one article (optionally one of its
-- revisions) as the public would see it once published, until it expires or is revoked. Only
-- a SHA-256 of the token is kept: a database dump does not reveal working links.
CREATE TABLE preview_links (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id      BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- The revision shown; NULL shows the article as it is at each use.
    revision_number INTEGER,
    token_hash      TEXT NOT NULL UNIQUE,
    created_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    uses            BIGINT NOT NULL DEFAULT 0,
    last_used_at    TIMESTAMP
);

CREATE INDEX preview_links_article ON preview_links (article_id, id);
