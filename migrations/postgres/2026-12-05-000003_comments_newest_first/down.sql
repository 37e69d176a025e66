DROP INDEX comments_created;
