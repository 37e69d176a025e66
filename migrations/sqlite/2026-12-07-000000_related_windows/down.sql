DROP TRIGGER articles_window_delete;
DROP TRIGGER articles_window_update;
DROP TRIGGER articles_window_insert;
DROP TRIGGER article_tags_window_delete;
DROP TRIGGER article_tags_window_update;
DROP TRIGGER article_tags_window_insert;
DROP TABLE related_window_changes;
DROP TABLE related_windows;
