-- Editorial safety (SQLite): versions for If-Match, trash, a public "updated" time, revisions,
-- slug history, corrections and the audit log.

-- Bumped by every write: the ETag of editorial reads, compared by If-Match.
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sections ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tags ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sources ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- Set when an article is moved to the trash; it is invisible everywhere until restored or purged.
ALTER TABLE articles ADD COLUMN deleted_at TIMESTAMP;
-- The public "updated" time, set only when an editor announces a real update (not typo fixes).
ALTER TABLE articles ADD COLUMN public_updated_at TIMESTAMP;
CREATE INDEX articles_deleted ON articles (deleted_at);

CREATE TABLE article_revisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL CHECK (number >= 1),
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    -- The whole article as JSON: fields, section, tags, sources, status.
    snapshot   TEXT NOT NULL,
    UNIQUE (article_id, number)
);

-- Slugs an article had before: they redirect to it and are never given to another article.
CREATE TABLE article_slugs (
    slug       TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX article_slugs_article ON article_slugs (article_id);

CREATE TABLE article_corrections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    body       TEXT NOT NULL CHECK (length(body) >= 1),
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX article_corrections_article ON article_corrections (article_id, created_at);

-- Who did what, when, from where (a keyed hash of the address). No foreign key on the user:
-- the record outlives the account.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at    TIMESTAMP NOT NULL,
    user_id       INTEGER,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT,
    details       TEXT,
    client_hash   TEXT
);
CREATE INDEX audit_log_created ON audit_log (created_at, id);
CREATE INDEX audit_log_user ON audit_log (user_id, created_at);
CREATE INDEX audit_log_resource ON audit_log (resource_type, created_at);
