-- What a search checks of each of its (up to 1,000) candidates: whether it is public, and its
-- section for the facets; as on SQLite, where the table's rows make such reads costly. Here it
-- lets the planner answer the check with an index-only scan.
CREATE INDEX articles_visibility ON articles (id, status, published_at, deleted_at, section_id);
