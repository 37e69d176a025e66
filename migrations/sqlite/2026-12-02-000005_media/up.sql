-- The media library: one row per uploaded image, written only after every file it names is
-- stored (an upload that fails leaves files without a row, which `dateline media gc` removes,
-- never a row without its files). `folder` is the random storage folder of its files; `files`
-- lists them (JSON: the full-size rendition and each variant, with sizes and formats).
CREATE TABLE media (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    folder      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('image')),
    format      TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'gif')),
    width       INTEGER NOT NULL CHECK (width > 0),
    height      INTEGER NOT NULL CHECK (height > 0),
    bytes       BIGINT NOT NULL CHECK (bytes > 0),
    files       TEXT NOT NULL,
    alt         TEXT,
    decorative  BOOLEAN NOT NULL DEFAULT FALSE,
    caption     TEXT,
    credit      TEXT,
    source_id   INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    focal_x     DOUBLE NOT NULL DEFAULT 0.5 CHECK (focal_x BETWEEN 0 AND 1),
    focal_y     DOUBLE NOT NULL DEFAULT 0.5 CHECK (focal_y BETWEEN 0 AND 1),
    uploaded_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX media_newest ON media (created_at, id);
CREATE INDEX media_by_uploader ON media (uploaded_by, created_at, id);
CREATE INDEX media_by_source ON media (source_id, created_at, id);

-- The featured image. No cascade: a library item in use cannot be deleted (409 names the users).
ALTER TABLE articles ADD COLUMN featured_media_id INTEGER REFERENCES media (id);
CREATE INDEX articles_featured_media ON articles (featured_media_id) WHERE featured_media_id IS NOT NULL;
