package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/segue/segue/catalog"
)

// LibraryFiles returns the scanned files remembered under the folder root
// (an absolute, cleaned path).
func (db *DB) LibraryFiles(ctx context.Context, root string) ([]catalog.LibraryFile, error) {
	prefix := strings.TrimSuffix(root, "/") + "/"
	rows, _ := db.r.Query(ctx, `SELECT path, size, mtime_ns, track_id, disc, number FROM library_files
		WHERE left(path, $1) = $2 ORDER BY path`, len(prefix), prefix)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (f catalog.LibraryFile, err error) {
		err = row.Scan(&f.Path, &f.Size, &f.ModTimeNs, &f.TrackID, &f.Disc, &f.Number)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: library files: %w", err)
	}
	return out, nil
}

// LibraryNames returns the catalog's artist, genre and album names.
func (db *DB) LibraryNames(ctx context.Context) (catalog.LibraryNames, error) {
	n := catalog.NewLibraryNames()
	rows, _ := db.r.Query(ctx, catalog.LibraryNamesQuery+` ORDER BY id COLLATE "C"`)
	var kind, artist, name, id string
	_, err := pgx.ForEachRow(rows, []any{&kind, &artist, &name, &id}, func() error {
		n.Add(catalog.Kind(kind), artist, name, id)
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("postgres: library names: %w", err)
	}
	return n, nil
}

// ApplyLibrary applies one scan in one transaction: adds or updates its
// items and files, sets covers, deletes the tracks of removed files and
// the library items left with nothing, orders the albums it touched by
// disc and track number, and rebuilds the search index.
func (db *DB) ApplyLibrary(ctx context.Context, ch *catalog.LibraryChange) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		exec := func(query string, args ...any) error {
			_, err := tx.Exec(ctx, query, args...)
			return err
		}
		// One scan at a time: two would race on the same new rows.
		if err := exec("SELECT pg_advisory_xact_lock($1)", libraryLockKey); err != nil {
			return err
		}
		d := &ch.Data
		for _, g := range d.Genres {
			if err := exec("INSERT INTO genres (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", g.ID, g.Name); err != nil {
				return err
			}
		}
		for _, a := range d.Artists {
			if err := exec("INSERT INTO artists (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", a.ID, a.Name); err != nil {
				return err
			}
		}
		for _, a := range d.Albums {
			if err := exec(`INSERT INTO albums (id, title, artist_id) VALUES ($1, $2, $3)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist_id = excluded.artist_id`, a.ID, a.Title, a.ArtistID); err != nil {
				return err
			}
		}
		touched := map[string]bool{}
		for _, t := range d.Tracks {
			touched[t.AlbumID] = true
			if err := exec(`INSERT INTO tracks (id, title, album_id, artist_id, genre_id, composer, duration_ms, isrc, format,
				media_type, audio_path, album_pos, unlimited_only) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'AUDIO', $10, 0, false)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, album_id = excluded.album_id, artist_id = excluded.artist_id,
					genre_id = excluded.genre_id, composer = excluded.composer, duration_ms = excluded.duration_ms,
					isrc = excluded.isrc, format = excluded.format, audio_path = excluded.audio_path`,
				t.ID, t.Title, t.AlbumID, t.ArtistID, t.GenreID, t.Composer, t.DurationMs, t.ISRC, t.Format, t.AudioPath); err != nil {
				return err
			}
		}
		for _, f := range ch.Files {
			if err := exec(`INSERT INTO library_files (path, size, mtime_ns, track_id, disc, number) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, track_id = excluded.track_id,
					disc = excluded.disc, number = excluded.number`,
				f.Path, f.Size, f.ModTimeNs, f.TrackID, f.Disc, f.Number); err != nil {
				return err
			}
		}
		for _, c := range ch.Covers {
			if err := exec(`INSERT INTO covers (album_id, mime_type, data) VALUES ($1, $2, $3)
				ON CONFLICT (album_id) DO UPDATE SET mime_type = excluded.mime_type, data = excluded.data`,
				c.AlbumID, c.MIMEType, c.Data); err != nil {
				return err
			}
		}
		for _, path := range ch.Removed {
			var id string
			err := tx.QueryRow(ctx, "DELETE FROM library_files WHERE path = $1 RETURNING track_id", path).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			if err := exec("DELETE FROM playlist_tracks WHERE track_id = $1", id); err != nil {
				return err
			}
			if err := exec("DELETE FROM tracks WHERE id = $1", id); err != nil {
				return err
			}
		}
		if err := exec(coverCleanup); err != nil {
			return err
		}
		for _, q := range libraryCleanup {
			if err := exec(q, catalog.LibraryIDPrefix+"%"); err != nil {
				return err
			}
		}
		for album := range touched {
			if err := orderAlbum(ctx, tx, album); err != nil {
				return err
			}
		}
		if err := bumpCatalog(ctx, tx); err != nil {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("postgres: apply library scan: %w", err)
	}
	return nil
}

// libraryLockKey is the advisory lock that serialises library scans.
const libraryLockKey = 0x5e601b

// coverCleanup deletes the covers of albums with no library track left.
const coverCleanup = `DELETE FROM covers WHERE NOT EXISTS (SELECT 1 FROM tracks t JOIN library_files f ON f.track_id = t.id
	WHERE t.album_id = covers.album_id)`

// libraryCleanup deletes the library's albums, artists and genres that
// nothing uses; $1 is the pattern of library ids.
var libraryCleanup = []string{
	"DELETE FROM albums WHERE id LIKE $1 AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.album_id = albums.id)",
	`DELETE FROM artists WHERE id LIKE $1 AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = artists.id)
		AND NOT EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = artists.id)`,
	"DELETE FROM genres WHERE id LIKE $1 AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.genre_id = genres.id)",
}

// orderAlbum places an album's library tracks after its other tracks, by
// disc, track number and path.
func orderAlbum(ctx context.Context, tx pgx.Tx, albumID string) error {
	_, err := tx.Exec(ctx, `WITH base AS (
			SELECT coalesce(max(album_pos), 0) AS pos FROM tracks t WHERE album_id = $1
			AND NOT EXISTS (SELECT 1 FROM library_files f WHERE f.track_id = t.id)),
		ordered AS (
			SELECT t.id, row_number() OVER (ORDER BY f.disc, f.number, f.path) AS n
			FROM tracks t JOIN library_files f ON f.track_id = t.id WHERE t.album_id = $1)
		UPDATE tracks SET album_pos = base.pos + ordered.n FROM base, ordered WHERE tracks.id = ordered.id`, albumID)
	return err
}

// Cover returns an album's cover image.
func (db *DB) Cover(ctx context.Context, albumID string) (catalog.Cover, error) {
	c := catalog.Cover{AlbumID: albumID}
	err := db.r.QueryRow(ctx, "SELECT mime_type, data FROM covers WHERE album_id = $1", albumID).Scan(&c.MIMEType, &c.Data)
	if err != nil {
		return c, notFound(err, "album %s has no cover", albumID)
	}
	return c, nil
}
