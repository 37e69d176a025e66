-- The SQLite migration of this version makes its slug index carry the article's section, which
-- SQLite stores after the body, on overflow pages. PostgreSQL keeps long values out of line
-- (TOAST): the section is on the row's first page already. Nothing to do; the version is kept
-- so that both backends list the same migrations.
SELECT 1;
