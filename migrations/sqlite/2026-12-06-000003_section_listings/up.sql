-- A section page lists the section and every section below it. It read a window per section of
-- the subtree and merged them: six statements for a section with five sub-sections, 18% of the
-- one-row ceiling (bench/RESULTS.md). Each article is now listed once under its section and once
-- under each section above it, with `listed_at` mirroring its visibility as on the tag links, so
-- a section page is one range of one index, whatever the shape of the tree.
--
-- `section_ancestors` is the tree's closure (each section with itself and every section above
-- it): the triggers below maintain both tables from it without walking the tree, which SQLite
-- triggers cannot do (no recursive queries in a trigger).
CREATE TABLE section_ancestors (
    section_id  INTEGER NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    ancestor_id INTEGER NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    PRIMARY KEY (section_id, ancestor_id)
) WITHOUT ROWID;
CREATE INDEX section_ancestors_below ON section_ancestors (ancestor_id, section_id);

CREATE TABLE section_listings (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    section_id INTEGER NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    listed_at  TIMESTAMP,
    PRIMARY KEY (article_id, section_id)
) WITHOUT ROWID;
CREATE INDEX section_listings_listing ON section_listings (section_id, listed_at, article_id);

WITH RECURSIVE up (section_id, ancestor_id) AS (
    SELECT id, id FROM sections
    UNION ALL
    SELECT up.section_id, s.parent_id FROM up JOIN sections s ON s.id = up.ancestor_id
    WHERE s.parent_id IS NOT NULL
)
INSERT INTO section_ancestors (section_id, ancestor_id) SELECT section_id, ancestor_id FROM up;

INSERT INTO section_listings (article_id, section_id, listed_at)
SELECT a.id, up.ancestor_id,
       CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
FROM articles a JOIN section_ancestors up ON up.section_id = a.section_id;

CREATE TRIGGER sections_ancestors_insert AFTER INSERT ON sections BEGIN
    INSERT INTO section_ancestors (section_id, ancestor_id)
    SELECT new.id, new.id
    UNION ALL
    SELECT new.id, ancestor_id FROM section_ancestors WHERE section_id = new.parent_id;
END;

-- A section moved in the tree takes its subtree along: the subtree's articles leave the
-- sections it was under and join those it is under now.
CREATE TRIGGER sections_parent_update AFTER UPDATE OF parent_id ON sections
WHEN old.parent_id IS NOT new.parent_id BEGIN
    DELETE FROM section_listings
    WHERE section_id IN (SELECT ancestor_id FROM section_ancestors
                         WHERE section_id = new.id AND ancestor_id <> new.id)
      AND article_id IN (SELECT a.id FROM articles a
                         JOIN section_ancestors below ON below.section_id = a.section_id
                         WHERE below.ancestor_id = new.id);
    DELETE FROM section_ancestors
    WHERE section_id IN (SELECT section_id FROM section_ancestors WHERE ancestor_id = new.id)
      AND ancestor_id IN (SELECT ancestor_id FROM section_ancestors
                          WHERE section_id = new.id AND ancestor_id <> new.id);
    INSERT INTO section_ancestors (section_id, ancestor_id)
    SELECT below.section_id, above.ancestor_id
    FROM section_ancestors below JOIN section_ancestors above ON above.section_id = new.parent_id
    WHERE below.ancestor_id = new.id;
    INSERT INTO section_listings (article_id, section_id, listed_at)
    SELECT a.id, above.ancestor_id,
           CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
    FROM articles a
    JOIN section_ancestors below ON below.section_id = a.section_id AND below.ancestor_id = new.id
    JOIN section_ancestors above ON above.section_id = new.parent_id;
END;

CREATE TRIGGER articles_section_listing_insert AFTER INSERT ON articles BEGIN
    INSERT INTO section_listings (article_id, section_id, listed_at)
    SELECT new.id, ancestor_id,
           CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    FROM section_ancestors WHERE section_id = new.section_id;
END;

CREATE TRIGGER articles_section_listing_update AFTER UPDATE OF status, published_at, deleted_at ON articles BEGIN
    UPDATE section_listings
    SET listed_at = CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    WHERE article_id = new.id
      AND listed_at IS NOT (CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END);
END;

CREATE TRIGGER articles_section_listing_move AFTER UPDATE OF section_id ON articles
WHEN old.section_id IS NOT new.section_id BEGIN
    DELETE FROM section_listings WHERE article_id = new.id;
    INSERT INTO section_listings (article_id, section_id, listed_at)
    SELECT new.id, ancestor_id,
           CASE WHEN new.status = 'published' AND new.deleted_at IS NULL THEN new.published_at END
    FROM section_ancestors WHERE section_id = new.section_id;
END;
