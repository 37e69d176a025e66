-- A section page lists the section and every section below it. It walked the public index in
-- list order and kept the subtree's articles, a walk as long as the section is rare among
-- recent articles. Each article is now listed once under its section and once under each
-- section above it, with `listed_at` mirroring its visibility as on the tag links, so a section
-- page is one range of one index, whatever the shape of the tree.
--
-- `section_ancestors` is the tree's closure (each section with itself and every section above
-- it): the triggers below maintain both tables from it without walking the tree. A move reads
-- the closure and rewrites it, so it takes the closure for itself (EXCLUSIVE): a section created
-- (ROW EXCLUSIVE, by its insert) or an article filed or changed (ROW SHARE, taken below) at the
-- same time waits for it, then reads the tree as moved (each statement of a trigger reads what is
-- committed when it starts), and a move waits for them in turn. ROW SHARE conflicts with nothing
-- else: filing articles never waits for another filing or for a section being created, so an
-- import that creates sections and files articles in one transaction cannot deadlock another.
CREATE TABLE section_ancestors (
    section_id  BIGINT NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    ancestor_id BIGINT NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    PRIMARY KEY (section_id, ancestor_id)
);
CREATE INDEX section_ancestors_below ON section_ancestors (ancestor_id, section_id);

CREATE TABLE section_listings (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    section_id BIGINT NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    listed_at  TIMESTAMP,
    PRIMARY KEY (article_id, section_id)
);
CREATE INDEX section_listings_listing ON section_listings (section_id, listed_at, article_id);

WITH RECURSIVE up (section_id, ancestor_id) AS (
    SELECT id, id FROM sections
    UNION ALL
    SELECT up.section_id, s.parent_id FROM up JOIN sections s ON s.id = up.ancestor_id
    WHERE s.parent_id IS NOT NULL
)
INSERT INTO section_ancestors (section_id, ancestor_id) SELECT section_id, ancestor_id FROM up;

INSERT INTO section_listings (article_id, section_id, listed_at)
SELECT a.id, up.ancestor_id, article_listed_at(a.status, a.published_at, a.deleted_at)
FROM articles a JOIN section_ancestors up ON up.section_id = a.section_id;

CREATE FUNCTION section_ancestors_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO section_ancestors (section_id, ancestor_id)
    SELECT NEW.id, NEW.id
    UNION ALL
    SELECT NEW.id, ancestor_id FROM section_ancestors WHERE section_id = NEW.parent_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER sections_ancestors_insert AFTER INSERT ON sections
    FOR EACH ROW EXECUTE FUNCTION section_ancestors_fill();

-- A section moved in the tree takes its subtree along: the subtree's articles leave the
-- sections it was under and join those it is under now.
CREATE FUNCTION section_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE section_ancestors IN EXCLUSIVE MODE;
    DELETE FROM section_listings
    WHERE section_id IN (SELECT ancestor_id FROM section_ancestors
                         WHERE section_id = NEW.id AND ancestor_id <> NEW.id)
      AND article_id IN (SELECT a.id FROM articles a
                         JOIN section_ancestors below ON below.section_id = a.section_id
                         WHERE below.ancestor_id = NEW.id);
    DELETE FROM section_ancestors
    WHERE section_id IN (SELECT section_id FROM section_ancestors WHERE ancestor_id = NEW.id)
      AND ancestor_id IN (SELECT ancestor_id FROM section_ancestors
                          WHERE section_id = NEW.id AND ancestor_id <> NEW.id);
    INSERT INTO section_ancestors (section_id, ancestor_id)
    SELECT below.section_id, above.ancestor_id
    FROM section_ancestors below JOIN section_ancestors above ON above.section_id = NEW.parent_id
    WHERE below.ancestor_id = NEW.id;
    INSERT INTO section_listings (article_id, section_id, listed_at)
    SELECT a.id, above.ancestor_id, article_listed_at(a.status, a.published_at, a.deleted_at)
    FROM articles a
    JOIN section_ancestors below ON below.section_id = a.section_id AND below.ancestor_id = NEW.id
    JOIN section_ancestors above ON above.section_id = NEW.parent_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER sections_parent_update AFTER UPDATE OF parent_id ON sections
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION section_move();

CREATE FUNCTION article_section_listings_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE section_ancestors IN ROW SHARE MODE;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM section_listings WHERE article_id = NEW.id;
    END IF;
    INSERT INTO section_listings (article_id, section_id, listed_at)
    SELECT NEW.id, ancestor_id, article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at)
    FROM section_ancestors WHERE section_id = NEW.section_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_section_listing_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION article_section_listings_fill();
CREATE TRIGGER articles_section_listing_move AFTER UPDATE OF section_id ON articles
    FOR EACH ROW WHEN (OLD.section_id IS DISTINCT FROM NEW.section_id)
    EXECUTE FUNCTION article_section_listings_fill();

CREATE FUNCTION article_section_listings_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    listed TIMESTAMP := article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at);
BEGIN
    -- A move running now copies this article's visibility as it was; waiting for it means this
    -- update also reaches the rows the move adds.
    LOCK TABLE section_ancestors IN ROW SHARE MODE;
    UPDATE section_listings SET listed_at = listed
    WHERE article_id = NEW.id AND listed_at IS DISTINCT FROM listed;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_section_listing_update AFTER UPDATE OF status, published_at, deleted_at ON articles
    FOR EACH ROW EXECUTE FUNCTION article_section_listings_sync();
