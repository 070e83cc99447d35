-- The music a user brings (`segue library scan`). Each scanned file is
-- one track; size and mtime_ns tell a rescan that the file is unchanged,
-- disc and number order the album. A removed file's track is deleted
-- (it leaves the catalog), so no row points at a file that is gone.
CREATE TABLE library_files (
	path     TEXT COLLATE "C" PRIMARY KEY,
	size     BIGINT NOT NULL,
	mtime_ns BIGINT NOT NULL,
	track_id TEXT NOT NULL UNIQUE REFERENCES tracks (id),
	disc     INTEGER NOT NULL,
	number   INTEGER NOT NULL
);

-- Album covers found in tags.
CREATE TABLE covers (
	album_id  TEXT PRIMARY KEY REFERENCES albums (id),
	mime_type TEXT NOT NULL,
	data      BYTEA NOT NULL
);
