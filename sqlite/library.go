package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/segue/segue/catalog"
)

// LibraryFiles returns the scanned files remembered under the folder root
// (an absolute, cleaned path).
func (db *DB) LibraryFiles(ctx context.Context, root string) ([]catalog.LibraryFile, error) {
	prefix := strings.TrimSuffix(root, "/") + "/"
	out, err := collect(ctx, db.r, `SELECT path, size, mtime_ns, track_id, disc, number FROM library_files
		WHERE substr(path, 1, ?) = ? ORDER BY path`, []any{len(prefix), prefix},
		func(rows *sql.Rows) (f catalog.LibraryFile, err error) {
			err = rows.Scan(&f.Path, &f.Size, &f.ModTimeNs, &f.TrackID, &f.Disc, &f.Number)
			return f, err
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: library files: %w", err)
	}
	return out, nil
}

// LibraryNames returns the catalog's artist, genre and album names.
func (db *DB) LibraryNames(ctx context.Context) (catalog.LibraryNames, error) {
	n := catalog.NewLibraryNames()
	rows, err := db.r.QueryContext(ctx, catalog.LibraryNamesQuery+" ORDER BY id")
	if err != nil {
		return n, fmt.Errorf("sqlite: library names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, artist, name, id string
		if err := rows.Scan(&kind, &artist, &name, &id); err != nil {
			return n, fmt.Errorf("sqlite: library names: %w", err)
		}
		n.Add(catalog.Kind(kind), artist, name, id)
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("sqlite: library names: %w", err)
	}
	return n, nil
}

// ApplyLibrary applies one scan in one transaction: adds or updates its
// items and files, sets covers, deletes the tracks of removed files and
// the library items left with nothing, orders the albums it touched by
// disc and track number, and rebuilds the search index.
func (db *DB) ApplyLibrary(ctx context.Context, ch *catalog.LibraryChange) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		exec := func(query string, args ...any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		}
		d := &ch.Data
		for _, g := range d.Genres {
			if err := exec("INSERT INTO genres (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", g.ID, g.Name); err != nil {
				return err
			}
		}
		for _, a := range d.Artists {
			if err := exec("INSERT INTO artists (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", a.ID, a.Name); err != nil {
				return err
			}
		}
		for _, a := range d.Albums {
			if err := exec(`INSERT INTO albums (id, title, artist_id) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist_id = excluded.artist_id`, a.ID, a.Title, a.ArtistID); err != nil {
				return err
			}
		}
		touched := map[string]bool{}
		for _, t := range d.Tracks {
			touched[t.AlbumID] = true
			if err := exec(`INSERT INTO tracks (id, title, album_id, artist_id, genre_id, composer, duration_ms, isrc, format,
				media_type, audio_path, album_pos, unlimited_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'AUDIO', ?, 0, 0)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, album_id = excluded.album_id, artist_id = excluded.artist_id,
					genre_id = excluded.genre_id, composer = excluded.composer, duration_ms = excluded.duration_ms,
					isrc = excluded.isrc, format = excluded.format, audio_path = excluded.audio_path`,
				t.ID, t.Title, t.AlbumID, t.ArtistID, t.GenreID, t.Composer, t.DurationMs, t.ISRC, t.Format, t.AudioPath); err != nil {
				return err
			}
		}
		for _, f := range ch.Files {
			if err := exec(`INSERT INTO library_files (path, size, mtime_ns, track_id, disc, number) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, track_id = excluded.track_id,
					disc = excluded.disc, number = excluded.number`,
				f.Path, f.Size, f.ModTimeNs, f.TrackID, f.Disc, f.Number); err != nil {
				return err
			}
		}
		for _, c := range ch.Covers {
			if err := exec(`INSERT INTO covers (album_id, mime_type, data) VALUES (?, ?, ?)
				ON CONFLICT (album_id) DO UPDATE SET mime_type = excluded.mime_type, data = excluded.data`,
				c.AlbumID, c.MIMEType, c.Data); err != nil {
				return err
			}
		}
		for _, path := range ch.Removed {
			var id string
			err := tx.QueryRowContext(ctx, "DELETE FROM library_files WHERE path = ? RETURNING track_id", path).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			} else if err != nil {
				return err
			}
			if err := exec("DELETE FROM playlist_tracks WHERE track_id = ?", id); err != nil {
				return err
			}
			if err := exec("DELETE FROM tracks WHERE id = ?", id); err != nil {
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
		return fmt.Errorf("sqlite: apply library scan: %w", err)
	}
	return nil
}

// coverCleanup deletes the covers of albums with no library track left.
const coverCleanup = `DELETE FROM covers WHERE NOT EXISTS (SELECT 1 FROM tracks t JOIN library_files f ON f.track_id = t.id
	WHERE t.album_id = covers.album_id)`

// libraryCleanup deletes the library's albums, artists and genres that
// nothing uses; ? is the pattern of library ids.
var libraryCleanup = []string{
	"DELETE FROM albums WHERE id LIKE ? AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.album_id = albums.id)",
	`DELETE FROM artists WHERE id LIKE ? AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = artists.id)
		AND NOT EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = artists.id)`,
	"DELETE FROM genres WHERE id LIKE ? AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.genre_id = genres.id)",
}

// orderAlbum places an album's library tracks after its other tracks, by
// disc, track number and path.
func orderAlbum(ctx context.Context, tx *sql.Tx, albumID string) error {
	_, err := tx.ExecContext(ctx, `WITH base AS (
			SELECT coalesce(max(album_pos), 0) AS pos FROM tracks t WHERE album_id = ?1
			AND NOT EXISTS (SELECT 1 FROM library_files f WHERE f.track_id = t.id)),
		ordered AS (
			SELECT t.id, row_number() OVER (ORDER BY f.disc, f.number, f.path) AS n
			FROM tracks t JOIN library_files f ON f.track_id = t.id WHERE t.album_id = ?1)
		UPDATE tracks SET album_pos = base.pos + ordered.n FROM base, ordered WHERE tracks.id = ordered.id`, albumID)
	return err
}

// Cover returns an album's cover image.
func (db *DB) Cover(ctx context.Context, albumID string) (catalog.Cover, error) {
	c := catalog.Cover{AlbumID: albumID}
	err := db.r.QueryRowContext(ctx, "SELECT mime_type, data FROM covers WHERE album_id = ?", albumID).Scan(&c.MIMEType, &c.Data)
	if err != nil {
		return c, notFound(err, "album %s has no cover", albumID)
	}
	return c, nil
}
