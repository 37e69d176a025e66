DROP TABLE article_media;
