-- SQLite keeps a row's columns in order and puts what does not fit on its page on overflow
-- pages, which it can only walk from the first: any column after a long text costs reading the
-- whole text. These changes keep public reads off the long texts they do not send.

-- A public article read checks visibility by slug: with these columns the index answers it
-- alone, and the article's row (its body, and the columns after it) is never read.
CREATE INDEX articles_slug_visibility ON articles (slug, status, published_at, deleted_at);

-- Stored documents with the small members first: a card (about 1 KB) is then read from the
-- row's first page instead of after the whole detail (about 11 KB). Documents are derived
-- data: the table is recreated empty and refilled by the background renderer, or at once by
-- `dateline documents rebuild`; until then reads are answered live.
DROP TABLE article_documents;
CREATE TABLE article_documents (
    article_id   INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    -- Moves on at each invalidation: a render stores its result only if the stamp is still the
    -- one it read before reading the article, so a render that raced a write never lands.
    stamp        BIGINT NOT NULL DEFAULT 0,
    -- 0 for a row that only holds a stamp (invalidated, not rendered since).
    generation   BIGINT NOT NULL,
    fingerprint  TEXT NOT NULL,
    summary_keys TEXT NOT NULL,
    summary      TEXT NOT NULL,
    detail_keys  TEXT NOT NULL,
    detail       TEXT NOT NULL
);

-- Replies by thread. A top-level comment has no root, and SQLite's statistics count those NULLs
-- as one value shared by most rows; a planner that does not look at bound values (see
-- `.cargo/config.toml`) then took this index for unselective and scanned every approved comment
-- instead (the comments page fell from about 1,900 to 80 per second). Indexing the replies alone
-- gives the statistics the true figures.
DROP INDEX comments_root;
CREATE INDEX comments_root ON comments (root_id, status, created_at) WHERE root_id IS NOT NULL;
