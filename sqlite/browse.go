package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/segue/segue/catalog"
)

// querier is a read transaction or the read pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// trackCols are the columns of a whole track, from trackFrom; scanTrack
// scans them.
const (
	trackCols = `t.id, t.title, t.album_id, al.title, t.artist_id, ar.name, t.genre_id,
	t.composer, t.duration_ms, t.isrc, t.format, t.media_type, t.audio_path, t.unlimited_only,
	EXISTS (SELECT 1 FROM covers c WHERE c.album_id = t.album_id)`
	trackFrom   = " FROM tracks t JOIN albums al ON al.id = t.album_id JOIN artists ar ON ar.id = t.artist_id "
	trackSelect = "SELECT " + trackCols + trackFrom
)

func scanTrack(rows *sql.Rows, extra ...any) (catalog.Track, error) {
	var t catalog.Track
	err := rows.Scan(append([]any{&t.ID, &t.Title, &t.AlbumID, &t.AlbumTitle, &t.ArtistID, &t.ArtistName, &t.GenreID,
		&t.Composer, &t.DurationMs, &t.ISRC, &t.Format, &t.MediaType, &t.AudioPath, &t.UnlimitedOnly, &t.HasCover}, extra...)...)
	return t, err
}

// albumSelect reads albums with their artist's name, track count and
// duration.
const albumSelect = `SELECT al.id, al.title, al.artist_id, ar.name,
	(SELECT count(*) FROM tracks t WHERE t.album_id = al.id),
	(SELECT coalesce(sum(t.duration_ms), 0) FROM tracks t WHERE t.album_id = al.id),
	EXISTS (SELECT 1 FROM covers c WHERE c.album_id = al.id)
	FROM albums al JOIN artists ar ON ar.id = al.artist_id `

func albums(ctx context.Context, q querier, where string, args ...any) ([]catalog.AlbumInfo, error) {
	return collect(ctx, q, albumSelect+where, args, func(rows *sql.Rows) (a catalog.AlbumInfo, err error) {
		err = rows.Scan(&a.ID, &a.Title, &a.ArtistID, &a.ArtistName, &a.TrackCount, &a.DurationMs, &a.HasCover)
		return a, err
	})
}

// collect runs a query and scans each row with scan.
func collect[T any](ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Albums returns the albums of the catalog among ids; unknown ids are
// left out.
func (db *DB) Albums(ctx context.Context, ids []string) (map[string]catalog.AlbumInfo, error) {
	list, err := albums(ctx, db.r, "WHERE al.id IN (SELECT value FROM json_each(?))", jsonList(ids))
	if err != nil {
		return nil, fmt.Errorf("sqlite: albums: %w", err)
	}
	return catalog.ByID(list, func(a catalog.AlbumInfo) string { return a.ID }), nil
}

// Artists returns the artists of the catalog among ids; unknown ids are
// left out.
func (db *DB) Artists(ctx context.Context, ids []string) (map[string]catalog.ArtistInfo, error) {
	list, err := collect(ctx, db.r, `SELECT ar.id, ar.name, (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id)
		FROM artists ar WHERE ar.id IN (SELECT value FROM json_each(?))`, []any{jsonList(ids)},
		func(rows *sql.Rows) (a catalog.ArtistInfo, err error) {
			err = rows.Scan(&a.ID, &a.Name, &a.AlbumCount)
			return a, err
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: artists: %w", err)
	}
	return catalog.ByID(list, func(a catalog.ArtistInfo) string { return a.ID }), nil
}

// Playlists returns the playlists of the catalog among ids; unknown ids
// are left out.
func (db *DB) Playlists(ctx context.Context, ids []string) (map[string]catalog.PlaylistInfo, error) {
	list, err := collect(ctx, db.r, `SELECT p.id, p.name, count(t.id), coalesce(sum(t.duration_ms), 0)
		FROM playlists p LEFT JOIN playlist_tracks pt ON pt.playlist_id = p.id LEFT JOIN tracks t ON t.id = pt.track_id
		WHERE p.id IN (SELECT value FROM json_each(?)) GROUP BY p.id, p.name`, []any{jsonList(ids)},
		func(rows *sql.Rows) (p catalog.PlaylistInfo, err error) {
			err = rows.Scan(&p.ID, &p.Name, &p.TrackCount, &p.DurationMs)
			return p, err
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: playlists: %w", err)
	}
	return catalog.ByID(list, func(p catalog.PlaylistInfo) string { return p.ID }), nil
}

// containerQueries read a page of an album's or a playlist's tracks with
// their positions: the container exists, then its tracks from a position.
var containerQueries = map[catalog.Kind]struct{ exists, page string }{
	catalog.KindAlbum: {"SELECT 1 FROM albums WHERE id = ?",
		"SELECT " + trackCols + ", t.album_pos" + trackFrom + "WHERE t.album_id = ? AND t.album_pos >= ? ORDER BY t.album_pos, t.id LIMIT ?"},
	catalog.KindPlaylist: {"SELECT 1 FROM playlists WHERE id = ?",
		"SELECT " + trackCols + ", p.pos FROM playlist_tracks p JOIN tracks t ON t.id = p.track_id" +
			" JOIN albums al ON al.id = t.album_id JOIN artists ar ON ar.id = t.artist_id " +
			"WHERE p.playlist_id = ? AND p.pos >= ? ORDER BY p.pos LIMIT ?"},
}

// ContainerTracks returns up to limit tracks of an album or a playlist,
// from position from (0 for the first page), or RESOURCE_NOT_FOUND.
func (db *DB) ContainerTracks(ctx context.Context, kind catalog.Kind, id string, from, limit int) (catalog.TrackPage, error) {
	cq, ok := containerQueries[kind]
	if !ok {
		return catalog.TrackPage{}, fmt.Errorf("sqlite: no tracks of a %s", kind)
	}
	page := catalog.TrackPage{Next: -1}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, cq.exists, id).Scan(&one); err != nil {
			return notFound(err, "no %s %s in the catalog", kind, id)
		}
		var pos []int
		tracks, err := collect(ctx, tx, cq.page, []any{id, from, limit + 1}, func(rows *sql.Rows) (catalog.Track, error) {
			var p int
			t, err := scanTrack(rows, &p)
			pos = append(pos, p)
			return t, err
		})
		if err != nil {
			return err
		}
		if len(tracks) > limit {
			tracks, page.Next = tracks[:limit], pos[limit]
		}
		page.Tracks = tracks
		return nil
	})
	if err != nil {
		return catalog.TrackPage{}, fmt.Errorf("sqlite: tracks of %s: %w", id, err)
	}
	return page, nil
}

// ArtistDetail returns an artist with its albums and top tracks, or
// RESOURCE_NOT_FOUND.
func (db *DB) ArtistDetail(ctx context.Context, id string) (catalog.ArtistDetail, error) {
	var d catalog.ArtistDetail
	err := db.read(ctx, func(tx *sql.Tx) error {
		a := &d.Artist
		err := tx.QueryRowContext(ctx, `SELECT id, name, (SELECT count(*) FROM albums WHERE artist_id = ar.id)
			FROM artists ar WHERE id = ?`, id).Scan(&a.ID, &a.Name, &a.AlbumCount)
		if err != nil {
			return notFound(err, "no artist %s in the catalog", id)
		}
		if d.Albums, err = albums(ctx, tx, "WHERE al.artist_id = ? ORDER BY al.id", id); err != nil {
			return err
		}
		d.TopTracks, err = collect(ctx, tx, trackSelect+`WHERE t.artist_id = ?
			ORDER BY (SELECT count(DISTINCT pt.playlist_id) FROM playlist_tracks pt WHERE pt.track_id = t.id) DESC,
			t.album_id, t.album_pos, t.id LIMIT ?`, []any{id, catalog.TopTracks}, func(rows *sql.Rows) (catalog.Track, error) {
			return scanTrack(rows)
		})
		return err
	})
	if err != nil {
		return catalog.ArtistDetail{}, fmt.Errorf("sqlite: artist %s: %w", id, err)
	}
	return d, nil
}

// Search returns the ids of the items of kind that match q, best first,
// skipping offset of them: at most limit, and whether more follow. Items
// whose title is the query come first, then by bm25 (a title word weighs
// 2.5 times a word of the context), then by id.
func (db *DB) Search(ctx context.Context, kind catalog.Kind, q catalog.Query, offset, limit int) ([]string, bool, error) {
	terms := make([]string, len(q.Words))
	for i, w := range q.Words {
		terms[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"*`
	}
	ids, err := collect(ctx, db.r, `SELECT id FROM search WHERE search MATCH ? AND kind = ?
		ORDER BY (title = ?) DESC, bm25(search, 0, 0, 1.0, 0.4), id LIMIT ? OFFSET ?`,
		[]any{strings.Join(terms, " AND "), string(kind), q.Text(), limit + 1, offset}, func(rows *sql.Rows) (id string, err error) {
			err = rows.Scan(&id)
			return id, err
		})
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: search: %w", err)
	}
	if len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

// searchItems lists every item of the catalog with the texts the search
// index holds of it, unfolded.
const searchItems = `SELECT 'track', t.id, t.title, ar.name || ' ' || al.title
		FROM tracks t JOIN albums al ON al.id = t.album_id JOIN artists ar ON ar.id = t.artist_id
	UNION ALL SELECT 'album', al.id, al.title, ar.name FROM albums al JOIN artists ar ON ar.id = al.artist_id
	UNION ALL SELECT 'artist', id, name, '' FROM artists
	UNION ALL SELECT 'playlist', id, name, '' FROM playlists`

// indexCatalog rebuilds the search index from the catalog, in tx.
func indexCatalog(ctx context.Context, tx *sql.Tx) error {
	items, err := collect(ctx, tx, searchItems, nil, func(rows *sql.Rows) (it [4]string, err error) {
		err = rows.Scan(&it[0], &it[1], &it[2], &it[3])
		return it, err
	})
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM search"); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, "INSERT INTO search (kind, id, title, context) VALUES (?, ?, ?, ?)")
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	defer ins.Close()
	for _, it := range items {
		if _, err := ins.ExecContext(ctx, it[0], it[1], catalog.SearchText(it[2]), catalog.SearchText(it[3])); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	return nil
}

// IndexCatalog rebuilds the search index unless it holds one row per
// catalog item: a catalog loaded before the index existed gets one.
func (db *DB) IndexCatalog(ctx context.Context) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var fresh bool
		err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM search) = (SELECT count(*) FROM tracks) +
			(SELECT count(*) FROM albums) + (SELECT count(*) FROM artists) + (SELECT count(*) FROM playlists)`).Scan(&fresh)
		if err != nil || fresh {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}
