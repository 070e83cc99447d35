package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/segue/segue/catalog"
)

// querier is a transaction or a pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
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

func scanTrack(row pgx.CollectableRow, extra ...any) (catalog.Track, error) {
	var t catalog.Track
	err := row.Scan(append([]any{&t.ID, &t.Title, &t.AlbumID, &t.AlbumTitle, &t.ArtistID, &t.ArtistName, &t.GenreID,
		&t.Composer, &t.DurationMs, &t.ISRC, &t.Format, &t.MediaType, &t.AudioPath, &t.UnlimitedOnly, &t.HasCover}, extra...)...)
	return t, err
}

// albumSelect reads albums with their artist's name, track count and
// duration.
const albumSelect = `SELECT al.id, al.title, al.artist_id, ar.name,
	(SELECT count(*) FROM tracks t WHERE t.album_id = al.id),
	(SELECT coalesce(sum(t.duration_ms), 0)::bigint FROM tracks t WHERE t.album_id = al.id),
	EXISTS (SELECT 1 FROM covers c WHERE c.album_id = al.id)
	FROM albums al JOIN artists ar ON ar.id = al.artist_id `

func albums(ctx context.Context, q querier, where string, args ...any) ([]catalog.AlbumInfo, error) {
	rows, _ := q.Query(ctx, albumSelect+where, args...)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (a catalog.AlbumInfo, err error) {
		err = row.Scan(&a.ID, &a.Title, &a.ArtistID, &a.ArtistName, &a.TrackCount, &a.DurationMs, &a.HasCover)
		return a, err
	})
}

// Albums returns the albums of the catalog among ids; unknown ids are
// left out.
func (db *DB) Albums(ctx context.Context, ids []string) (map[string]catalog.AlbumInfo, error) {
	list, err := albums(ctx, db.r, "WHERE al.id = ANY($1)", ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: albums: %w", err)
	}
	return catalog.ByID(list, func(a catalog.AlbumInfo) string { return a.ID }), nil
}

// Artists returns the artists of the catalog among ids; unknown ids are
// left out.
func (db *DB) Artists(ctx context.Context, ids []string) (map[string]catalog.ArtistInfo, error) {
	rows, _ := db.r.Query(ctx, `SELECT ar.id, ar.name, (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id)
		FROM artists ar WHERE ar.id = ANY($1)`, ids)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (a catalog.ArtistInfo, err error) {
		err = row.Scan(&a.ID, &a.Name, &a.AlbumCount)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: artists: %w", err)
	}
	return catalog.ByID(list, func(a catalog.ArtistInfo) string { return a.ID }), nil
}

// Playlists returns the playlists of the catalog among ids; unknown ids
// are left out.
func (db *DB) Playlists(ctx context.Context, ids []string) (map[string]catalog.PlaylistInfo, error) {
	rows, _ := db.r.Query(ctx, `SELECT p.id, p.name, count(t.id), coalesce(sum(t.duration_ms), 0)::bigint
		FROM playlists p LEFT JOIN playlist_tracks pt ON pt.playlist_id = p.id LEFT JOIN tracks t ON t.id = pt.track_id
		WHERE p.id = ANY($1) GROUP BY p.id, p.name`, ids)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (p catalog.PlaylistInfo, err error) {
		err = row.Scan(&p.ID, &p.Name, &p.TrackCount, &p.DurationMs)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: playlists: %w", err)
	}
	return catalog.ByID(list, func(p catalog.PlaylistInfo) string { return p.ID }), nil
}

// containerQueries read a page of an album's or a playlist's tracks with
// their positions: the container exists, then its tracks from a position.
var containerQueries = map[catalog.Kind]struct{ exists, page string }{
	catalog.KindAlbum: {"SELECT 1 FROM albums WHERE id = $1",
		"SELECT " + trackCols + ", t.album_pos" + trackFrom + "WHERE t.album_id = $1 AND t.album_pos >= $2 ORDER BY t.album_pos, t.id LIMIT $3"},
	catalog.KindPlaylist: {"SELECT 1 FROM playlists WHERE id = $1",
		"SELECT " + trackCols + ", p.pos FROM playlist_tracks p JOIN tracks t ON t.id = p.track_id" +
			" JOIN albums al ON al.id = t.album_id JOIN artists ar ON ar.id = t.artist_id " +
			"WHERE p.playlist_id = $1 AND p.pos >= $2 ORDER BY p.pos LIMIT $3"},
}

// ContainerTracks returns up to limit tracks of an album or a playlist,
// from position from (0 for the first page), or RESOURCE_NOT_FOUND.
func (db *DB) ContainerTracks(ctx context.Context, kind catalog.Kind, id string, from, limit int) (catalog.TrackPage, error) {
	cq, ok := containerQueries[kind]
	if !ok {
		return catalog.TrackPage{}, fmt.Errorf("postgres: no tracks of a %s", kind)
	}
	page := catalog.TrackPage{Next: -1}
	err := db.read(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, cq.exists, id).Scan(&one); err != nil {
			return notFound(err, "no %s %s in the catalog", kind, id)
		}
		var pos []int
		rows, _ := tx.Query(ctx, cq.page, id, from, limit+1)
		tracks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.Track, error) {
			var p int
			t, err := scanTrack(row, &p)
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
		return catalog.TrackPage{}, fmt.Errorf("postgres: tracks of %s: %w", id, err)
	}
	return page, nil
}

// ArtistDetail returns an artist with its albums and top tracks, or
// RESOURCE_NOT_FOUND.
func (db *DB) ArtistDetail(ctx context.Context, id string) (catalog.ArtistDetail, error) {
	var d catalog.ArtistDetail
	err := db.read(ctx, func(tx pgx.Tx) error {
		a := &d.Artist
		err := tx.QueryRow(ctx, `SELECT id, name, (SELECT count(*) FROM albums WHERE artist_id = ar.id)
			FROM artists ar WHERE id = $1`, id).Scan(&a.ID, &a.Name, &a.AlbumCount)
		if err != nil {
			return notFound(err, "no artist %s in the catalog", id)
		}
		if d.Albums, err = albums(ctx, tx, `WHERE al.artist_id = $1 ORDER BY al.id COLLATE "C"`, id); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, trackSelect+`WHERE t.artist_id = $1
			ORDER BY (SELECT count(DISTINCT pt.playlist_id) FROM playlist_tracks pt WHERE pt.track_id = t.id) DESC,
			t.album_id COLLATE "C", t.album_pos, t.id LIMIT $2`, id, catalog.TopTracks)
		d.TopTracks, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.Track, error) { return scanTrack(row) })
		return err
	})
	if err != nil {
		return catalog.ArtistDetail{}, fmt.Errorf("postgres: artist %s: %w", id, err)
	}
	return d, nil
}

// Search returns the ids of the items of kind that match q, best first,
// skipping offset of them: at most limit, and whether more follow. Items
// whose title is the query come first, then by ts_rank (a title word
// weighs 2.5 times a word of the context; divided by 1 + the log of the
// text's length), then by id.
func (db *DB) Search(ctx context.Context, kind catalog.Kind, q catalog.Query, offset, limit int) ([]string, bool, error) {
	terms := make([]string, len(q.Words))
	for i, w := range q.Words {
		terms[i] = "'" + strings.ReplaceAll(w, "'", "''") + "':*"
	}
	rows, _ := db.r.Query(ctx, `SELECT id FROM search, to_tsquery('simple', $1) q WHERE kind = $2 AND doc @@ q
		ORDER BY (title = $3) DESC, ts_rank(doc, q, 1) DESC, id LIMIT $4 OFFSET $5`,
		strings.Join(terms, " & "), string(kind), q.Text(), limit+1, offset)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, false, fmt.Errorf("postgres: search: %w", err)
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

// searchLockKey is the first key of the advisory lock that serialises
// rebuilds of the search index (the second is the schema's hash).
const searchLockKey = 0x5e65c

// indexCatalog rebuilds the search index from the catalog, in tx.
func indexCatalog(ctx context.Context, tx pgx.Tx) error {
	rows, _ := tx.Query(ctx, searchItems)
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([]any, error) {
		var kind, id, title, about string
		err := row.Scan(&kind, &id, &title, &about)
		return []any{kind, id, catalog.SearchText(title), catalog.SearchText(about)}, err
	})
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM search"); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"search"}, []string{"kind", "id", "title", "context"}, pgx.CopyFromRows(items)); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// IndexCatalog rebuilds the search index unless it holds one row per
// catalog item: a catalog loaded before the index existed gets one.
// Instances that start together take turns, and the later ones find it
// built.
func (db *DB) IndexCatalog(ctx context.Context) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", searchLockKey); err != nil {
			return err
		}
		var fresh bool
		err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM search) = (SELECT count(*) FROM tracks) +
			(SELECT count(*) FROM albums) + (SELECT count(*) FROM artists) + (SELECT count(*) FROM playlists)`).Scan(&fresh)
		if err != nil || fresh {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}
