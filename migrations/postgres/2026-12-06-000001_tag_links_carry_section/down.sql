DROP TRIGGER articles_section_update ON articles;
DROP FUNCTION article_section_sync();
DROP TRIGGER article_tags_section_insert ON article_tags;
DROP FUNCTION tag_link_section_fill();
DROP INDEX article_tags_listing;
CREATE INDEX article_tags_listing ON article_tags (tag_id, listed_at, article_id);
ALTER TABLE article_tags DROP COLUMN section_id;
