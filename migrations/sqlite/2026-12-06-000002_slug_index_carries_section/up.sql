-- Related articles start from the article's id and section, found by slug. The slug index
-- covered visibility but not the section, which SQLite stores after the body, on the row's
-- overflow pages: finding it read through the body. The index now carries the section too.
DROP INDEX articles_slug_visibility;
CREATE INDEX articles_slug_visibility ON articles (slug, status, published_at, deleted_at, section_id);
