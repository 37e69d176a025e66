DROP INDEX articles_slug_visibility;
CREATE INDEX articles_slug_visibility ON articles (slug, status, published_at, deleted_at);
