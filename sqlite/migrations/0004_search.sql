-- The catalog's full-text search index: one row per track, album, artist
-- and playlist. title and context hold the item's words folded in Go
-- (catalog.SearchText: lower case, accents removed, letters and digits
-- only), so that both stores index exactly the same words; the tokenizer
-- folds accents too, as a second line. title is the item's title or name;
-- context is, for a track, its artist and album, and for an album, its
-- artist. LoadCatalog fills it; IndexCatalog rebuilds it for a catalog
-- loaded before this migration.
CREATE VIRTUAL TABLE search USING fts5 (
	kind UNINDEXED,
	id UNINDEXED,
	title,
	context,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);

-- An artist's albums (album counts, the artist page).
CREATE INDEX albums_artist ON albums (artist_id);
