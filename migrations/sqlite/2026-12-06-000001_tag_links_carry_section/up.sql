-- Related articles rank each shared tag's newest articles, with one more point for those in the
-- article's own section. That section was read from each candidate's row: about 200 index
-- seeks per answer, a quarter of its CPU (bench/RESULTS.md). Each tag link now carries its
-- article's section, kept in step by triggers whatever code path writes, and the tag listing
-- index covers it, so the ranking reads the tags' listing indexes and nothing else.
ALTER TABLE article_tags ADD COLUMN section_id INTEGER;
UPDATE article_tags SET section_id = (
    SELECT a.section_id FROM articles a WHERE a.id = article_tags.article_id);

DROP INDEX article_tags_listing;
CREATE INDEX article_tags_listing ON article_tags (tag_id, listed_at, article_id, section_id);

-- One trigger fills both copies of a new link: one update of the row, not two.
DROP TRIGGER article_tags_listing_insert;
CREATE TRIGGER article_tags_listing_insert AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET (listed_at, section_id) = (
        SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END,
               a.section_id
        FROM articles a WHERE a.id = new.article_id)
    WHERE article_id = new.article_id AND tag_id = new.tag_id;
END;
CREATE TRIGGER articles_section_update AFTER UPDATE OF section_id ON articles BEGIN
    UPDATE article_tags SET section_id = new.section_id
    WHERE article_id = new.id AND section_id IS NOT new.section_id;
END;
