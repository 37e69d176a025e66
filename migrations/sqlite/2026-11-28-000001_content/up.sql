-- Dateline content schema (SQLite). Keep in step with ../../postgres and src/db/schema.rs.
-- Slugs: lowercase ASCII words joined by single hyphens, never purely numeric.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE sections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE
                CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*' AND slug GLOB '*[a-z]*'
                       AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description TEXT,
    parent_id   INTEGER REFERENCES sections (id) ON DELETE RESTRICT,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX sections_parent_position ON sections (parent_id, position);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE
                CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*' AND slug GLOB '*[a-z]*'
                       AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX tags_name ON tags (name);

CREATE TABLE sources (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE
               CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*' AND slug GLOB '*[a-z]*'
                      AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    url        TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sources_name ON sources (name);

CREATE TABLE articles (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                 TEXT NOT NULL UNIQUE
                         CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*' AND slug GLOB '*[a-z]*'
                                AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'),
    headline             TEXT NOT NULL CHECK (length(headline) BETWEEN 1 AND 300),
    alternative_headline TEXT,
    summary              TEXT,
    body                 TEXT NOT NULL DEFAULT '',
    section_id           INTEGER NOT NULL REFERENCES sections (id) ON DELETE RESTRICT,
    author_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at         TIMESTAMP,
    comments_enabled     BOOLEAN NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    -- A published article always has a publication time (it may lie in the future: scheduled).
    CHECK (status <> 'published' OR published_at IS NOT NULL)
);
-- The public list: status = 'published' AND published_at <= now, newest first, ties by id.
CREATE INDEX articles_public ON articles (status, published_at, id);
CREATE INDEX articles_public_updated ON articles (status, updated_at, id);
CREATE INDEX articles_section_public ON articles (section_id, status, published_at, id);
CREATE INDEX articles_author_public ON articles (author_id, status, published_at, id);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (article_id, tag_id),
    UNIQUE (article_id, position)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);

CREATE TABLE article_sources (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (article_id, source_id),
    UNIQUE (article_id, position)
);
CREATE INDEX article_sources_source ON article_sources (source_id, article_id);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id    INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    depth        INTEGER NOT NULL DEFAULT 0 CHECK (depth >= 0),
    author_name  TEXT NOT NULL CHECK (length(author_name) >= 1),
    author_email TEXT,
    body         TEXT NOT NULL CHECK (length(body) >= 1),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    client_hash  TEXT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK ((parent_id IS NULL) = (depth = 0))
);
CREATE INDEX comments_article_status ON comments (article_id, status, created_at, id);
CREATE INDEX comments_status_created ON comments (status, created_at, id);
CREATE INDEX comments_parent ON comments (parent_id);
