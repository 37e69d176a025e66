-- What a search checks of each of its (up to 1,000) candidates: whether it is public, and its
-- section for the facets. These columns come after the body in the table's rows, so reading
-- them from the table follows each row's overflow pages; from this index, one page holds
-- hundreds of them (searches read it with INDEXED BY).
CREATE INDEX articles_visibility ON articles (id, status, published_at, deleted_at, section_id);
