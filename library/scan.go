package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/segue/segue/catalog"
)

// Store is what a scan needs of a store; *sqlite.DB and *postgres.DB
// provide it.
type Store interface {
	// LibraryFiles returns the files remembered under root.
	LibraryFiles(ctx context.Context, root string) ([]catalog.LibraryFile, error)
	// LibraryNames returns the catalog's names, to reuse their ids.
	LibraryNames(ctx context.Context) (catalog.LibraryNames, error)
	// ApplyLibrary applies a scan in one transaction.
	ApplyLibrary(ctx context.Context, ch *catalog.LibraryChange) error
}

// Report is what a scan found and did.
type Report struct {
	Root      string    `json:"root"`
	Added     int       `json:"added"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Removed   int       `json:"removed"`
	Failed    []Failure `json:"failed"`
}

// Failure is a file a scan could not read. A file that was scanned before
// keeps its track as it was.
type Failure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Names given to what is not tagged.
const (
	UnknownArtist = "Unknown Artist"
	UnknownAlbum  = "Unknown Album"
)

// Scan reads the audio files under dir and brings the store up to date
// in one transaction:
//
//   - a file not seen before becomes a track, with its artist, album
//     (by the album artist, or else the artist) and genre; an artist,
//     genre or album of the same name already in the catalog is reused
//     (names compared folded: case and accents aside), others are made;
//   - a file whose size or modification time changed is read again and
//     its track updated; an unchanged file is not opened;
//   - a file that is gone has its track retired: it leaves the catalog,
//     its playlists and search, with any library album, artist or genre
//     left with nothing (a session that queued it shows the id alone);
//   - the first cover found in an album's new or changed files becomes
//     the album's cover; tracks are ordered by disc, track number, path.
//
// Ids are stable: a track's comes from its file's absolute path, a new
// artist's, genre's or album's from its folded name (and artist), all
// behind catalog.LibraryIDPrefix. Files that cannot be read are reported
// and skipped. Hidden files and folders (names starting with '.') are
// skipped, and symbolic links to folders are not followed.
func Scan(ctx context.Context, st Store, dir string) (Report, error) {
	root, err := filepath.Abs(dir)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return Report{}, fmt.Errorf("library: %s: %w", dir, err)
	}
	if fi, err := os.Stat(root); err != nil {
		return Report{}, fmt.Errorf("library: %w", err)
	} else if !fi.IsDir() {
		return Report{}, fmt.Errorf("library: %s is not a folder", dir)
	}
	rep := Report{Root: root, Failed: []Failure{}}
	files, err := st.LibraryFiles(ctx, root)
	if err != nil {
		return rep, err
	}
	known := make(map[string]catalog.LibraryFile, len(files))
	for _, f := range files {
		known[f.Path] = f
	}
	names, err := st.LibraryNames(ctx)
	if err != nil {
		return rep, err
	}
	b := builder{names: names, covered: map[string]bool{}}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			rep.Failed = append(rep.Failed, Failure{Path: path, Error: err.Error()})
			if d != nil && d.IsDir() && path != root {
				// An unreadable folder: keep what was scanned in it.
				for p := range known {
					if strings.HasPrefix(p, path+string(filepath.Separator)) {
						seen[p] = true
					}
				}
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != root {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !Supported(d.Name()) {
			return nil
		}
		fi, err := os.Stat(path) // follows a link to a file
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		seen[path] = true
		old, wasKnown := known[path]
		if wasKnown && old.Size == fi.Size() && old.ModTimeNs == fi.ModTime().UnixNano() {
			rep.Unchanged++
			return nil
		}
		m, err := Read(path)
		if err != nil {
			rep.Failed = append(rep.Failed, Failure{Path: path, Error: err.Error()})
			return nil
		}
		b.add(path, fi, m)
		if wasKnown {
			rep.Updated++
		} else {
			rep.Added++
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("library: scan %s: %w", dir, err)
	}
	for p := range known {
		if !seen[p] {
			b.ch.Removed = append(b.ch.Removed, p)
		}
	}
	sort.Strings(b.ch.Removed)
	rep.Removed = len(b.ch.Removed)
	if len(b.ch.Files) == 0 && len(b.ch.Removed) == 0 {
		return rep, nil
	}
	if err := st.ApplyLibrary(ctx, &b.ch); err != nil {
		return rep, err
	}
	return rep, nil
}

// builder turns files read into a catalog.LibraryChange.
type builder struct {
	ch      catalog.LibraryChange
	names   catalog.LibraryNames
	covered map[string]bool // albums given a cover
}

// add adds one file's track, and the artists, genre, album and cover it
// needs.
func (b *builder) add(path string, fi fs.FileInfo, m Meta) {
	artist := orDefault(m.Artist, UnknownArtist)
	albumArtist := orDefault(m.AlbumArtist, artist)
	title := orDefault(m.Title, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	albumTitle := orDefault(m.Album, UnknownAlbum)

	artistID := b.artist(artist)
	albumArtistID := b.artist(albumArtist)
	albumID, ok := b.names.Albums[catalog.AlbumKey(albumArtistID, albumTitle)]
	if !ok {
		albumID = libraryID("al", catalog.AlbumKey(albumArtistID, albumTitle))
		b.names.Add(catalog.KindAlbum, albumArtistID, albumTitle, albumID)
		b.ch.Data.Albums = append(b.ch.Data.Albums, catalog.Album{ID: albumID, Title: albumTitle, ArtistID: albumArtistID})
	}
	genreID := ""
	if m.Genre != "" {
		if genreID, ok = b.names.Genres[catalog.Fold(m.Genre)]; !ok {
			genreID = libraryID("ge", catalog.Fold(m.Genre))
			b.names.Add(catalog.KindGenre, "", m.Genre, genreID)
			b.ch.Data.Genres = append(b.ch.Data.Genres, catalog.Genre{ID: genreID, Name: m.Genre})
		}
	}
	trackID := libraryID("tr", path)
	b.ch.Data.Tracks = append(b.ch.Data.Tracks, catalog.Track{
		ID: trackID, Title: title, AlbumID: albumID, ArtistID: artistID, GenreID: genreID,
		DurationMs: m.DurationMs, ISRC: m.ISRC, Format: m.Format, MediaType: "AUDIO", AudioPath: path,
	})
	b.ch.Files = append(b.ch.Files, catalog.LibraryFile{
		Path: path, Size: fi.Size(), ModTimeNs: fi.ModTime().UnixNano(), TrackID: trackID,
		Disc: m.DiscNumber, Number: m.TrackNumber,
	})
	if m.Cover != nil && !b.covered[albumID] {
		b.covered[albumID] = true
		mime := m.Cover.MIMEType
		if !strings.HasPrefix(mime, "image/") {
			mime = http.DetectContentType(m.Cover.Data)
		}
		b.ch.Covers = append(b.ch.Covers, catalog.Cover{AlbumID: albumID, MIMEType: mime, Data: m.Cover.Data})
	}
}

// artist returns the id of the artist of that name, adding it if new.
func (b *builder) artist(name string) string {
	if id, ok := b.names.Artists[catalog.Fold(name)]; ok {
		return id
	}
	id := libraryID("ar", catalog.Fold(name))
	b.names.Add(catalog.KindArtist, "", name, id)
	b.ch.Data.Artists = append(b.ch.Data.Artists, catalog.Artist{ID: id, Name: name})
	return id
}

// libraryID is a stable id for a library item of a kind from its key.
func libraryID(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return catalog.LibraryIDPrefix + kind + "-" + hex.EncodeToString(sum[:8])
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
