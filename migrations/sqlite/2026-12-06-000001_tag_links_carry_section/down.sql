DROP TRIGGER articles_section_update;
DROP TRIGGER article_tags_listing_insert;
CREATE TRIGGER article_tags_listing_insert AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET listed_at = (
        SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
        FROM articles a WHERE a.id = new.article_id)
    WHERE article_id = new.article_id AND tag_id = new.tag_id;
END;
DROP INDEX article_tags_listing;
CREATE INDEX article_tags_listing ON article_tags (tag_id, listed_at, article_id);
ALTER TABLE article_tags DROP COLUMN section_id;
