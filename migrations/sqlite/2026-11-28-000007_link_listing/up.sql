-- Tag and source pages at any archive size. `listed_at` copies, on each tag and source link,
-- the article's `published_at` while the article is published and not in the trash (NULL
-- otherwise), so a page of a tag's public articles is read from one index in order and stops at
-- the page, instead of sorting every article the tag ever had. Triggers keep the copy in step
-- with the article, whatever code path writes it.
ALTER TABLE article_tags ADD COLUMN listed_at TIMESTAMP;
ALTER TABLE article_sources ADD COLUMN listed_at TIMESTAMP;

UPDATE article_tags SET listed_at = (
    SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
    FROM articles a WHERE a.id = article_tags.article_id);
UPDATE article_sources SET listed_at = (
    SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
    FROM articles a WHERE a.id = article_sources.article_id);

CREATE INDEX article_tags_listing ON article_tags (tag_id, listed_at, article_id);
CREATE INDEX article_sources_listing ON article_sources (source_id, listed_at, article_id);

CREATE TRIGGER article_tags_listing_insert AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET listed_at = (
        SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
        FROM articles a WHERE a.id = new.article_id)
    WHERE article_id = new.article_id AND tag_id = new.tag_id;
END;
CREATE TRIGGER article_sources_listing_insert AFTER INSERT ON article_sources BEGIN
    UPDATE article_sources SET listed_at = (
        SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
        FROM articles a WHERE a.id = new.article_id)
    WHERE article_id = new.article_id AND source_id = new.source_id;
END;
CREATE TRIGGER articles_listing_update AFTER UPDATE OF status, published_at, deleted_at ON articles BEGIN
    UPDATE article_tags
    SET listed_at = CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    WHERE article_id = new.id
      AND listed_at IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END);
    UPDATE article_sources
    SET listed_at = CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    WHERE article_id = new.id
      AND listed_at IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END);
END;
