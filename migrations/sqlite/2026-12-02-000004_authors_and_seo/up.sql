-- Public author profiles: what a byline links to. Kept apart from the account (e-mail, role,
-- password) so that public reads never touch login data. A profile is shown only when public.
CREATE TABLE author_profiles (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    slug         TEXT NOT NULL UNIQUE,
    bio          TEXT,
    avatar_url   TEXT,
    job_title    TEXT,
    social_links TEXT NOT NULL DEFAULT '[]',
    public       BOOLEAN NOT NULL DEFAULT FALSE,
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   TIMESTAMP NOT NULL
);

-- The article's byline authors (co-bylines), in order. The account that owns the article
-- (articles.author_id, for permissions) is a separate matter.
CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES author_profiles (user_id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, user_id)
);
CREATE INDEX article_authors_by_author ON article_authors (user_id, article_id);

-- Author pages at any archive size, as tag and source pages: `listed_at` copies the article's
-- `published_at` while it is published and not in the trash (see 2026-11-28-000007).
ALTER TABLE article_authors ADD COLUMN listed_at TIMESTAMP;
CREATE INDEX article_authors_listing ON article_authors (user_id, listed_at, article_id);
CREATE TRIGGER article_authors_listing_insert AFTER INSERT ON article_authors BEGIN
    UPDATE article_authors SET listed_at = (
        SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
        FROM articles a WHERE a.id = new.article_id)
    WHERE article_id = new.article_id AND user_id = new.user_id;
END;
DROP TRIGGER articles_listing_update;
CREATE TRIGGER articles_listing_update AFTER UPDATE OF status, published_at, deleted_at ON articles BEGIN
    UPDATE article_tags
    SET listed_at = CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    WHERE article_id = new.id
      AND listed_at IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END);
    UPDATE article_sources
    SET listed_at = CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    WHERE article_id = new.id
      AND listed_at IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END);
    UPDATE article_authors
    SET listed_at = CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    WHERE article_id = new.id
      AND listed_at IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END);
END;

-- A free-text byline ("By Agencies", "Staff reporter"), per-article SEO overrides, and the word
-- count (stored at save, so that lists show reading times without loading bodies; NULL until the
-- server fills it for articles saved before this migration).
ALTER TABLE articles ADD COLUMN byline TEXT;
ALTER TABLE articles ADD COLUMN seo_title TEXT;
ALTER TABLE articles ADD COLUMN meta_description TEXT;
ALTER TABLE articles ADD COLUMN canonical_url TEXT;
ALTER TABLE articles ADD COLUMN noindex BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE articles ADD COLUMN social_title TEXT;
ALTER TABLE articles ADD COLUMN social_description TEXT;
ALTER TABLE articles ADD COLUMN social_image_url TEXT;
ALTER TABLE articles ADD COLUMN word_count INTEGER;
-- Finds the articles still to count at start without reading the table (empty once filled).
CREATE INDEX articles_word_count_missing ON articles (id) WHERE word_count IS NULL;

-- Search-engine overrides of section, tag and source pages (their own title and description).
ALTER TABLE sections ADD COLUMN seo_title TEXT;
ALTER TABLE sections ADD COLUMN meta_description TEXT;
ALTER TABLE tags ADD COLUMN seo_title TEXT;
ALTER TABLE tags ADD COLUMN meta_description TEXT;
ALTER TABLE sources ADD COLUMN seo_title TEXT;
ALTER TABLE sources ADD COLUMN meta_description TEXT;

-- The site's logo (also the publisher's logo in structured data) and the default social image.
ALTER TABLE site_settings ADD COLUMN logo_url TEXT;
ALTER TABLE site_settings ADD COLUMN social_image_url TEXT;
