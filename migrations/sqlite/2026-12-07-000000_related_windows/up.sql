-- Related articles rank the newest public articles of each tag the article has and of its
-- section. Reading those windows from the listing indexes was 255 rows of SQLite steps and
-- decoding per answer (bench/RESULTS.md). Each window is now stored, one row of packed entries
-- per tag and per section, and the ranking reads one row per window.
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
-- other.
-- A rowid table: a window's row (1.2 KB for 51 entries) is more than a WITHOUT ROWID table keeps
-- on its page, which would put most of each on an overflow page.
CREATE TABLE related_windows (
    scope    TEXT NOT NULL CHECK (scope IN ('tag', 'section')),
    owner_id INTEGER NOT NULL,
    -- When the first article scheduled beyond the window's horizon comes due: the window is not
    -- served from then on, and is recomputed (NULL: none is scheduled beyond it).
    valid_until TIMESTAMP,
    -- Entries newest first, 24 bytes each: article id, section id, listed time (microseconds
    -- since 1970), each a little-endian 64-bit integer.
    entries  BLOB NOT NULL,
    PRIMARY KEY (scope, owner_id)
);

-- AUTOINCREMENT: an id is never reused, so the renderer deletes exactly the changes it read.
CREATE TABLE related_window_changes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    scope    TEXT NOT NULL,
    owner_id INTEGER NOT NULL
);
CREATE INDEX related_window_changes_window ON related_window_changes (scope, owner_id);

-- A tag link entering, leaving or changing in its tag's public list (its time or section).
CREATE TRIGGER article_tags_window_insert AFTER INSERT ON article_tags
WHEN new.listed_at IS NOT NULL BEGIN
    INSERT INTO related_window_changes (scope, owner_id) VALUES ('tag', new.tag_id);
END;
CREATE TRIGGER article_tags_window_update AFTER UPDATE ON article_tags
WHEN (old.listed_at IS NOT NULL OR new.listed_at IS NOT NULL)
 AND (old.listed_at IS NOT new.listed_at OR old.section_id IS NOT new.section_id
      OR old.tag_id <> new.tag_id OR old.article_id <> new.article_id) BEGIN
    INSERT INTO related_window_changes (scope, owner_id) VALUES ('tag', old.tag_id);
    INSERT INTO related_window_changes (scope, owner_id)
        SELECT 'tag', new.tag_id WHERE new.tag_id <> old.tag_id;
END;
CREATE TRIGGER article_tags_window_delete AFTER DELETE ON article_tags
WHEN old.listed_at IS NOT NULL BEGIN
    INSERT INTO related_window_changes (scope, owner_id) VALUES ('tag', old.tag_id);
END;

-- An article entering, leaving or changing in its section's public list.
CREATE TRIGGER articles_window_insert AFTER INSERT ON articles
WHEN new.status = 'published' AND new.deleted_at IS NULL AND new.published_at IS NOT NULL BEGIN
    INSERT INTO related_window_changes (scope, owner_id) VALUES ('section', new.section_id);
END;
CREATE TRIGGER articles_window_update AFTER UPDATE OF status, published_at, deleted_at, section_id ON articles
WHEN (CASE WHEN old.status = 'published' AND old.deleted_at IS NULL THEN old.published_at END)
     IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END)
  OR (old.section_id <> new.section_id
      AND (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END)
          IS NOT NULL) BEGIN
    INSERT INTO related_window_changes (scope, owner_id) VALUES ('section', old.section_id);
    INSERT INTO related_window_changes (scope, owner_id)
        SELECT 'section', new.section_id WHERE new.section_id <> old.section_id;
END;
CREATE TRIGGER articles_window_delete AFTER DELETE ON articles
WHEN old.status = 'published' AND old.deleted_at IS NULL AND old.published_at IS NOT NULL BEGIN
    INSERT INTO related_window_changes (scope, owner_id) VALUES ('section', old.section_id);
END;

-- Every window of an existing archive is computed once, in the background.
INSERT INTO related_window_changes (scope, owner_id)
    SELECT DISTINCT 'tag', tag_id FROM article_tags WHERE listed_at IS NOT NULL;
INSERT INTO related_window_changes (scope, owner_id)
    SELECT DISTINCT 'section', section_id FROM articles
    WHERE status = 'published' AND deleted_at IS NULL AND published_at IS NOT NULL;
