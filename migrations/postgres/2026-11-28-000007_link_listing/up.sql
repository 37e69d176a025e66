-- Tag and source pages at any archive size. `listed_at` copies, on each tag and source link,
-- the article's `published_at` while the article is published and not in the trash (NULL
-- otherwise), so a page of a tag's public articles is read from one index in order and stops at
-- the page, instead of sorting every article the tag ever had. Triggers keep the copy in step
-- with the article, whatever code path writes it.
ALTER TABLE article_tags ADD COLUMN listed_at TIMESTAMP;
ALTER TABLE article_sources ADD COLUMN listed_at TIMESTAMP;

CREATE FUNCTION article_listed_at(status TEXT, published_at TIMESTAMP, deleted_at TIMESTAMP)
RETURNS TIMESTAMP LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status = 'published' AND deleted_at IS NULL THEN published_at END
$$;

UPDATE article_tags t SET listed_at = article_listed_at(a.status, a.published_at, a.deleted_at)
FROM articles a WHERE a.id = t.article_id;
UPDATE article_sources s SET listed_at = article_listed_at(a.status, a.published_at, a.deleted_at)
FROM articles a WHERE a.id = s.article_id;

CREATE INDEX article_tags_listing ON article_tags (tag_id, listed_at, article_id);
CREATE INDEX article_sources_listing ON article_sources (source_id, listed_at, article_id);

CREATE FUNCTION link_listing_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.listed_at := (SELECT article_listed_at(a.status, a.published_at, a.deleted_at)
                      FROM articles a WHERE a.id = NEW.article_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER article_tags_listing_insert BEFORE INSERT ON article_tags
    FOR EACH ROW EXECUTE FUNCTION link_listing_fill();
CREATE TRIGGER article_sources_listing_insert BEFORE INSERT ON article_sources
    FOR EACH ROW EXECUTE FUNCTION link_listing_fill();

CREATE FUNCTION article_listing_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    listed TIMESTAMP := article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at);
BEGIN
    UPDATE article_tags SET listed_at = listed
    WHERE article_id = NEW.id AND listed_at IS DISTINCT FROM listed;
    UPDATE article_sources SET listed_at = listed
    WHERE article_id = NEW.id AND listed_at IS DISTINCT FROM listed;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_listing_update AFTER UPDATE OF status, published_at, deleted_at ON articles
    FOR EACH ROW EXECUTE FUNCTION article_listing_sync();
