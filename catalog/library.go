package catalog

// The music a user brings: what `segue library scan` hands a store. The
// library package reads the files and decides ids; a store applies a
// LibraryChange in one transaction.

// LibraryIDPrefix starts the id of every artist, album, genre and track
// that a library scan made, so that a store can tell them from catalog
// items it must never remove.
const LibraryIDPrefix = "lib-"

// LibraryFile is what a store remembers of one scanned audio file: where
// it is, the size and modification time that tell a rescan it is
// unchanged, and the track it became with that track's place in its album.
type LibraryFile struct {
	Path      string
	Size      int64
	ModTimeNs int64
	TrackID   string
	Disc      int
	Number    int
}

// Cover is an album's cover image.
type Cover struct {
	AlbumID  string
	MIMEType string
	Data     []byte
}

// LibraryNames are the catalog's names, folded with Fold, and their ids:
// a scan reuses an existing artist, genre or album of the same name rather
// than making a second one. Albums are keyed by AlbumKey.
type LibraryNames struct {
	Artists map[string]string
	Genres  map[string]string
	Albums  map[string]string
}

// AlbumKey is the LibraryNames.Albums key of an album title by an artist.
func AlbumKey(artistID, title string) string { return artistID + "\x00" + Fold(title) }

// NewLibraryNames returns empty LibraryNames.
func NewLibraryNames() LibraryNames {
	return LibraryNames{Artists: map[string]string{}, Genres: map[string]string{}, Albums: map[string]string{}}
}

// LibraryNamesQuery is the SQL, the same for both stores, that lists the
// rows Add takes: kind, an album's artist (else ”), name and id, by id.
const LibraryNamesQuery = `SELECT kind, artist, name, id FROM (
	SELECT 'artist' AS kind, '' AS artist, name, id FROM artists
	UNION ALL SELECT 'genre', '', name, id FROM genres
	UNION ALL SELECT 'album', artist_id, title, id FROM albums) names`

// Add records the name of an artist, genre or album (kind), and for an
// album its artist, keeping the first id given for a name: a store gives
// them by id, so the choice is stable.
func (n LibraryNames) Add(kind Kind, artistID, name, id string) {
	m, k := n.Artists, Fold(name)
	switch kind {
	case KindGenre:
		m = n.Genres
	case KindAlbum:
		m, k = n.Albums, AlbumKey(artistID, name)
	}
	if _, ok := m[k]; !ok {
		m[k] = id
	}
}

// LibraryChange is one scan's effect on a store.
type LibraryChange struct {
	// Data holds the genres, artists and albums to add (an update only
	// renames) and the tracks of new and changed files, with AudioPath
	// and Format set.
	Data Data
	// Files are the new and changed files, one per track of Data.
	Files []LibraryFile
	// Covers are album covers found in the files, set or replaced.
	Covers []Cover
	// Removed are the paths of files gone since the last scan. Their
	// tracks leave the catalog (playlists too), and so do library albums,
	// artists and genres that are left with nothing.
	Removed []string
}
