-- Related articles rank each shared tag's newest articles, with one more point for those in the
-- article's own section. That section was read from each candidate's row: about 200 index
-- seeks per answer, a quarter of its CPU (bench/RESULTS.md). Each tag link now carries its
-- article's section, kept in step by triggers whatever code path writes, and the tag listing
-- index carries it too, so the ranking reads the tags' listing indexes and nothing else.
ALTER TABLE article_tags ADD COLUMN section_id BIGINT;
UPDATE article_tags t SET section_id = a.section_id FROM articles a WHERE a.id = t.article_id;

DROP INDEX article_tags_listing;
CREATE INDEX article_tags_listing ON article_tags (tag_id, listed_at, article_id) INCLUDE (section_id);

CREATE FUNCTION tag_link_section_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.section_id := (SELECT a.section_id FROM articles a WHERE a.id = NEW.article_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER article_tags_section_insert BEFORE INSERT ON article_tags
    FOR EACH ROW EXECUTE FUNCTION tag_link_section_fill();

CREATE FUNCTION article_section_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET section_id = NEW.section_id
    WHERE article_id = NEW.id AND section_id IS DISTINCT FROM NEW.section_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_section_update AFTER UPDATE OF section_id ON articles
    FOR EACH ROW EXECUTE FUNCTION article_section_sync();
