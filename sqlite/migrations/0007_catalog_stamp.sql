-- The catalog's stamp: one row whose n every transaction that changes the
-- catalog (LoadCatalog, ImportCatalog, ApplyLibrary) increments, so that
-- a server keeps the tracks it read until n differs (CatalogStamp,
-- playback.CacheTracks), even when an admin command in another process
-- made the change.
CREATE TABLE catalog_stamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO catalog_stamp (id, n) VALUES (1, 0);
