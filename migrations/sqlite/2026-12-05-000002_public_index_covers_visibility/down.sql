DROP INDEX articles_public;
CREATE INDEX articles_public ON articles (status, published_at, id);
