-- Related articles rank the newest public articles of each tag the article has and of its
-- section. Reading those windows from the listing indexes was 255 rows per answer
-- (bench/RESULTS.md). Each window is now stored, one row of packed entries per tag and per
-- section, and the ranking reads one row per window.
--
-- A window holds the newest entries listed before a minute before it was computed, and every
-- entry from then to a day after (articles scheduled for then), so a read at any later time
-- finds its newest visible entries in it until an article scheduled beyond that comes due
-- (`valid_until`): scheduling keeps working at query time.
--
-- Triggers record each change that can move a window in `related_window_changes`, whatever code
-- path writes; a window is served only while no change of it is recorded, and the background
-- renderer recomputes it and deletes the changes it saw, in one transaction. Recording appends
-- rows and never updates a shared one, so writers touching the same tags never wait for each
-- other (nor deadlock, whatever order they touch them in).
CREATE TABLE related_windows (
    scope    TEXT NOT NULL CHECK (scope IN ('tag', 'section')),
    owner_id BIGINT NOT NULL,
    -- When the first article scheduled beyond the window's horizon comes due: the window is not
    -- served from then on, and is recomputed (NULL: none is scheduled beyond it).
    valid_until TIMESTAMP,
    -- Entries newest first, 24 bytes each: article id, section id, listed time (microseconds
    -- since 1970), each a little-endian 64-bit integer.
    entries  BYTEA NOT NULL,
    PRIMARY KEY (scope, owner_id)
);

CREATE TABLE related_window_changes (
    id       BIGSERIAL PRIMARY KEY,
    scope    TEXT NOT NULL,
    owner_id BIGINT NOT NULL
);
CREATE INDEX related_window_changes_window ON related_window_changes (scope, owner_id);

-- A tag link entering, leaving or changing in its tag's public list (its time or section).
CREATE FUNCTION tag_link_window_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO related_window_changes (scope, owner_id) VALUES ('tag', OLD.tag_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.tag_id <> OLD.tag_id) THEN
        INSERT INTO related_window_changes (scope, owner_id) VALUES ('tag', NEW.tag_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_tags_window_insert AFTER INSERT ON article_tags
    FOR EACH ROW WHEN (NEW.listed_at IS NOT NULL)
    EXECUTE FUNCTION tag_link_window_change();
CREATE TRIGGER article_tags_window_update AFTER UPDATE ON article_tags
    FOR EACH ROW WHEN ((OLD.listed_at IS NOT NULL OR NEW.listed_at IS NOT NULL)
        AND (OLD.listed_at IS DISTINCT FROM NEW.listed_at
             OR OLD.section_id IS DISTINCT FROM NEW.section_id
             OR OLD.tag_id <> NEW.tag_id OR OLD.article_id <> NEW.article_id))
    EXECUTE FUNCTION tag_link_window_change();
CREATE TRIGGER article_tags_window_delete AFTER DELETE ON article_tags
    FOR EACH ROW WHEN (OLD.listed_at IS NOT NULL)
    EXECUTE FUNCTION tag_link_window_change();

-- An article entering, leaving or changing in its section's public list.
CREATE FUNCTION article_window_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO related_window_changes (scope, owner_id) VALUES ('section', OLD.section_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.section_id <> OLD.section_id) THEN
        INSERT INTO related_window_changes (scope, owner_id) VALUES ('section', NEW.section_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_window_insert AFTER INSERT ON articles
    FOR EACH ROW WHEN (article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at) IS NOT NULL)
    EXECUTE FUNCTION article_window_change();
CREATE TRIGGER articles_window_update AFTER UPDATE OF status, published_at, deleted_at, section_id
    ON articles
    FOR EACH ROW WHEN (
        article_listed_at(OLD.status, OLD.published_at, OLD.deleted_at)
            IS DISTINCT FROM article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at)
        OR (OLD.section_id <> NEW.section_id
            AND article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at) IS NOT NULL))
    EXECUTE FUNCTION article_window_change();
CREATE TRIGGER articles_window_delete AFTER DELETE ON articles
    FOR EACH ROW WHEN (article_listed_at(OLD.status, OLD.published_at, OLD.deleted_at) IS NOT NULL)
    EXECUTE FUNCTION article_window_change();

-- Every window of an existing archive is computed once, in the background.
INSERT INTO related_window_changes (scope, owner_id)
    SELECT DISTINCT 'tag', tag_id FROM article_tags WHERE listed_at IS NOT NULL;
INSERT INTO related_window_changes (scope, owner_id)
    SELECT DISTINCT 'section', section_id FROM articles
    WHERE article_listed_at(status, published_at, deleted_at) IS NOT NULL;
