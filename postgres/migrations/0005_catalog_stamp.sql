-- The catalog's stamp: one row whose n every transaction that changes the
-- catalog (LoadCatalog, ImportCatalog, ApplyLibrary) increments, so that
-- each instance keeps the tracks it read until n differs (CatalogStamp,
-- playback.CacheTracks): SQLite's migration 0007.
CREATE TABLE catalog_stamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  BIGINT NOT NULL
);
INSERT INTO catalog_stamp (id, n) VALUES (1, 0);
