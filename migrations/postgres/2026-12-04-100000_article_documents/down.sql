DROP TABLE document_generation;
DROP TABLE article_documents;
