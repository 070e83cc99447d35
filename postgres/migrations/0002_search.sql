-- The catalog's full-text search index: one row per track, album, artist
-- and playlist. title and context hold the item's words folded in Go
-- (catalog.SearchText: lower case, accents removed, letters and digits
-- only), because the unaccent extension may not be installable; both
-- stores therefore index exactly the same words. title is the item's title
-- or name; context is, for a track, its artist and album, and for an
-- album, its artist. doc weighs the title (A) over the context (B).
-- LoadCatalog fills it; IndexCatalog rebuilds it for a catalog loaded
-- before this migration.
CREATE TABLE search (
	kind    TEXT NOT NULL,
	id      TEXT COLLATE "C" NOT NULL,
	title   TEXT NOT NULL,
	context TEXT NOT NULL,
	doc     tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', context), 'B')) STORED,
	PRIMARY KEY (kind, id)
);
CREATE INDEX search_doc ON search USING gin (doc);

-- An artist's albums (album counts, the artist page).
CREATE INDEX albums_artist ON albums (artist_id);
