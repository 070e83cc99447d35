package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

var _ playback.CatalogStamper = (*DB)(nil)

// CatalogSize returns the number of tracks in the catalog.
func (db *DB) CatalogSize(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM tracks").Scan(&n)
	return n, err
}

// CatalogStamp implements playback.CatalogStamper: it returns the
// catalog's stamp (migration 0007), which every transaction that changes
// the catalog increments, from whichever process made it. It reads
// through the read pool, as Tracks does.
func (db *DB) CatalogStamp(ctx context.Context) (int64, error) {
	return db.stamp(ctx, "catalog_stamp")
}

// stamp reads the one-row stamp table (catalog_stamp, auth_stamp)
// through the read pool.
func (db *DB) stamp(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT n FROM "+table+" WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", table, err)
	}
	return n, nil
}

// bumpCatalog increments the catalog's stamp in tx, the transaction that
// changes the catalog: caches of its tracks (playback.CacheTracks) see
// the change once it commits, and not if it rolls back.
func bumpCatalog(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "UPDATE catalog_stamp SET n = n + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("catalog stamp: %w", err)
	}
	return nil
}

// LoadCatalog adds a whole catalog in one transaction.
func (db *DB) LoadCatalog(ctx context.Context, d *catalog.Data) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		exec := func(query string, args ...any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		}
		for _, g := range d.Genres {
			if err := exec("INSERT INTO genres (id, name) VALUES (?, ?)", g.ID, g.Name); err != nil {
				return err
			}
		}
		for _, a := range d.Artists {
			if err := exec("INSERT INTO artists (id, name) VALUES (?, ?)", a.ID, a.Name); err != nil {
				return err
			}
		}
		for _, a := range d.Albums {
			if err := exec("INSERT INTO albums (id, title, artist_id) VALUES (?, ?, ?)", a.ID, a.Title, a.ArtistID); err != nil {
				return err
			}
		}
		pos := map[string]int{}
		for _, t := range d.Tracks {
			pos[t.AlbumID]++
			if err := exec(`INSERT INTO tracks (id, title, album_id, artist_id, genre_id, composer, duration_ms, isrc, format, media_type,
				audio_path, album_pos, unlimited_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				t.ID, t.Title, t.AlbumID, t.ArtistID, t.GenreID, t.Composer, t.DurationMs, t.ISRC, t.Format, t.MediaType,
				t.AudioPath, pos[t.AlbumID], t.UnlimitedOnly); err != nil {
				return err
			}
		}
		for _, p := range d.Playlists {
			if err := exec("INSERT INTO playlists (id, name) VALUES (?, ?)", p.ID, p.Name); err != nil {
				return err
			}
			for i, id := range p.TrackIDs {
				if err := exec("INSERT INTO playlist_tracks (playlist_id, pos, track_id) VALUES (?, ?, ?)", p.ID, i, id); err != nil {
					return err
				}
			}
		}
		if err := bumpCatalog(ctx, tx); err != nil {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("sqlite: load catalog: %w", err)
	}
	return nil
}

// trackQueries lists the tracks each kind of container plays, in order.
var trackQueries = map[catalog.Kind]string{
	catalog.KindTrack:    "SELECT id, artist_id, unlimited_only FROM tracks WHERE id = ?",
	catalog.KindAlbum:    "SELECT id, artist_id, unlimited_only FROM tracks WHERE album_id = ? ORDER BY album_pos, id",
	catalog.KindArtist:   "SELECT id, artist_id, unlimited_only FROM tracks WHERE artist_id = ? ORDER BY album_id, album_pos, id",
	catalog.KindPlaylist: "SELECT t.id, t.artist_id, t.unlimited_only FROM playlist_tracks p JOIN tracks t ON t.id = p.track_id WHERE p.playlist_id = ? ORDER BY p.pos",
}

var existsQueries = []struct {
	kind  catalog.Kind
	query string
}{
	{catalog.KindTrack, "SELECT 1 FROM tracks WHERE id = ?"},
	{catalog.KindAlbum, "SELECT 1 FROM albums WHERE id = ?"},
	{catalog.KindArtist, "SELECT 1 FROM artists WHERE id = ?"},
	{catalog.KindPlaylist, "SELECT 1 FROM playlists WHERE id = ?"},
}

// kindOf returns the kind of a plain catalog id, or RESOURCE_NOT_FOUND.
func (db *DB) kindOf(ctx context.Context, id string, want catalog.Kind) (catalog.Kind, error) {
	for _, q := range existsQueries {
		if want != "" && want != catalog.KindStation && want != q.kind {
			continue
		}
		var one int
		err := db.r.QueryRowContext(ctx, q.query, id).Scan(&one)
		if err == nil {
			return q.kind, nil
		}
		if err != sql.ErrNoRows {
			return "", err
		}
	}
	if want != "" {
		return "", segue.Errorf(segue.ENotFound, "no %s %s in the catalog", want, id)
	}
	return "", segue.Errorf(segue.ENotFound, "no catalog item %s", id)
}

// Resolve implements playback.Catalog.
func (db *DB) Resolve(ctx context.Context, raw string) (catalog.Item, error) {
	id, want, err := catalog.ParseID(raw)
	if err != nil {
		return catalog.Item{}, err
	}
	kind, err := db.kindOf(ctx, id, want)
	if err != nil {
		return catalog.Item{}, err
	}
	if want == catalog.KindStation {
		return catalog.Item{Kind: catalog.KindStation, ID: id}, nil
	}
	refs, err := db.trackRefs(ctx, trackQueries[kind], id)
	if err != nil {
		return catalog.Item{}, fmt.Errorf("sqlite: tracks of %s: %w", id, err)
	}
	return catalog.Item{Kind: kind, ID: id, Tracks: refs}, nil
}

func (db *DB) trackRefs(ctx context.Context, query string, args ...any) ([]catalog.TrackRef, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.TrackRef
	for rows.Next() {
		var t catalog.TrackRef
		if err := rows.Scan(&t.TrackID, &t.ArtistID, &t.UnlimitedOnly); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Tracks implements playback.Catalog.
func (db *DB) Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error) {
	out := make(map[string]catalog.Track, len(ids))
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		part := ids[:n]
		ids = ids[n:]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := db.r.QueryContext(ctx, trackSelect+"WHERE t.id IN (?"+strings.Repeat(",?", n-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tracks: %w", err)
		}
		for rows.Next() {
			t, err := scanTrack(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[t.ID] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// StationTracks implements playback.Catalog with catalog.Station, whose
// doc comment explains the scoring: catalog.GatherStation reads the facts
// through stationSource, in one read transaction, from the seed item's
// track ids (stationSeedQueries: the ids alone, which is all a station
// needs of a long playlist).
func (db *DB) StationTracks(ctx context.Context, seed string, exclude map[string]bool, n int, salt uint64, unlimited bool) ([]catalog.TrackRef, error) {
	id, want, err := catalog.ParseID(seed)
	if err != nil {
		return nil, err
	}
	kind, err := db.kindOf(ctx, id, want)
	if err != nil {
		return nil, err
	}
	var out []catalog.TrackRef
	err = db.read(ctx, func(tx *sql.Tx) error {
		var ids []string
		args := []any{id}
		if kind == catalog.KindPlaylist {
			args = append(args, catalog.StationSeedMax)
		}
		err := eachID(ctx, tx, stationSeedQueries[kind], args, func(id string) { ids = append(ids, id) })
		if err != nil {
			return err
		}
		in, err := catalog.GatherStation(ctx, &stationSource{tx: tx}, ids, exclude, n, salt, unlimited)
		if err != nil {
			return err
		}
		out, err = catalog.Station(in, exclude, n, salt, unlimited)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: station from %s: %w", id, err)
	}
	return out, nil
}

// stationSeedQueries list the track ids of each kind of seed, in the
// order of trackQueries. A playlist's are sampled here, every k-th
// position with k the least that leaves at most ?2 (catalog.StationSeedMax),
// so that a long playlist is not read whole.
var stationSeedQueries = map[catalog.Kind]string{
	catalog.KindTrack:  "SELECT id FROM tracks WHERE id = ?",
	catalog.KindAlbum:  "SELECT id FROM tracks WHERE album_id = ? ORDER BY album_pos, id",
	catalog.KindArtist: "SELECT id FROM tracks WHERE artist_id = ? ORDER BY album_id, album_pos, id",
	catalog.KindPlaylist: `SELECT track_id FROM playlist_tracks WHERE playlist_id = ?1
		AND pos % (SELECT (max(pos) + ?2) / ?2 FROM playlist_tracks WHERE playlist_id = ?1) = 0 ORDER BY pos`,
}

// eachID runs a query of one id column and calls fn on each.
func eachID(ctx context.Context, tx *sql.Tx, query string, args []any, fn func(id string)) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		fn(id)
	}
	return rows.Err()
}

// stationSource is catalog.StationSource on a read transaction. Lists go
// to SQLite as JSON arrays (json_each). Migration 0006 adds the indexes
// that answer each query from an index alone: a window or the tracks that
// follow the pivot are one or two short index ranges.
type stationSource struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt // prepared once per transaction
}

const stationCols = "id, artist_id, genre_id, unlimited_only"

func (s *stationSource) query(ctx context.Context, query string, args []any, fn func(r *sql.Rows) error) error {
	var rows *sql.Rows
	var err error
	if st := s.stmts[query]; st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// tracks runs a query of stationCols and appends its tracks to out.
func (s *stationSource) tracks(ctx context.Context, out []catalog.StationTrack, query string, args ...any) ([]catalog.StationTrack, error) {
	err := s.query(ctx, query, args, func(r *sql.Rows) error {
		var t catalog.StationTrack
		err := r.Scan(&t.TrackID, &t.ArtistID, &t.GenreID, &t.UnlimitedOnly)
		out = append(out, t)
		return err
	})
	return out, err
}

// prepared prepares query once for the transaction and returns it.
func (s *stationSource) prepared(ctx context.Context, query string) (string, error) {
	if s.stmts[query] != nil {
		return query, nil
	}
	st, err := s.tx.PrepareContext(ctx, query)
	if err != nil {
		return "", err
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return query, nil
}

func (s *stationSource) Tracks(ctx context.Context, ids []string, unlimited bool) ([]catalog.StationTrack, error) {
	return s.tracks(ctx, nil, "SELECT "+stationCols+` FROM tracks
		WHERE id IN (SELECT value FROM json_each(?)) AND (? OR NOT unlimited_only)`, jsonIDs(ids), unlimited)
}

func (s *stationSource) CatalogSize(ctx context.Context) (int, error) {
	var n int
	err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM tracks").Scan(&n)
	return n, err
}

func (s *stationSource) TracksAt(ctx context.Context, positions []int) ([]string, error) {
	out := make([]string, len(positions))
	for i, pos := range positions {
		if err := s.tx.QueryRowContext(ctx, "SELECT id FROM tracks ORDER BY id LIMIT 1 OFFSET ?", pos).Scan(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *stationSource) ArtistPlaylists(ctx context.Context, artists []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := s.query(ctx, `SELECT DISTINCT t.artist_id, pt.playlist_id FROM tracks t JOIN playlist_tracks pt ON pt.track_id = t.id
		WHERE t.artist_id IN (SELECT value FROM json_each(?))`, []any{jsonIDs(artists)}, func(r *sql.Rows) error {
		var a, p string
		err := r.Scan(&a, &p)
		out[a] = append(out[a], p)
		return err
	})
	return out, err
}

func (s *stationSource) PlaylistSizes(ctx context.Context, ids []string, max int) (map[string]int, error) {
	out := map[string]int{}
	err := s.query(ctx, `SELECT p.value, (SELECT count(*) FROM (SELECT 1 FROM playlist_tracks WHERE playlist_id = p.value LIMIT ?2))
		FROM json_each(?1) p`, []any{jsonIDs(ids), max + 1}, func(r *sql.Rows) error {
		var p string
		var n int
		err := r.Scan(&p, &n)
		out[p] = n
		return err
	})
	return out, err
}

func (s *stationSource) PlaylistEntries(ctx context.Context, ids []string) ([]catalog.PlaylistEntry, error) {
	var out []catalog.PlaylistEntry
	err := s.query(ctx, `SELECT pt.playlist_id, pt.track_id, t.artist_id FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
		WHERE pt.playlist_id IN (SELECT value FROM json_each(?))`, []any{jsonIDs(ids)}, func(r *sql.Rows) error {
		var e catalog.PlaylistEntry
		err := r.Scan(&e.PlaylistID, &e.TrackID, &e.ArtistID)
		out = append(out, e)
		return err
	})
	return out, err
}

func (s *stationSource) Windows(ctx context.Context, windows []catalog.StationWindow, pivots []string, unlimited bool) ([]catalog.StationTrack, error) {
	var out []catalog.StationTrack
	for _, w := range windows {
		var tracks []catalog.StationTrack
		var err error
		if w.Genre {
			tracks, err = s.wrapped(ctx, "WHERE genre_id = ?4 AND", []any{pivots[w.Pivot], unlimited, w.Limit, w.Key})
		} else {
			// An artist has few tracks: one query that sorts them from the
			// pivot on costs less than two short ranges.
			var query string
			query, err = s.prepared(ctx, "SELECT "+stationCols+` FROM tracks WHERE artist_id = ?4 AND (?2 OR NOT unlimited_only)
				ORDER BY id < ?1, id LIMIT ?3`)
			if err == nil {
				tracks, err = s.tracks(ctx, nil, query, pivots[w.Pivot], unlimited, w.Limit, w.Key)
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, tracks...)
	}
	return out, nil
}

func (s *stationSource) Following(ctx context.Context, pivot string, exclude []string, limit int, unlimited bool) ([]catalog.StationTrack, error) {
	return s.wrapped(ctx, "WHERE id NOT IN (SELECT value FROM json_each(?4)) AND", []any{pivot, unlimited, limit, jsonIDs(exclude)})
}

// wrapped returns up to ?3 tracks that pass where (which ends in AND) from
// the pivot ?1 on in id order, then from the first; ?2 is unlimited.
func (s *stationSource) wrapped(ctx context.Context, where string, args []any) ([]catalog.StationTrack, error) {
	const half = "SELECT " + stationCols + " FROM tracks %s id %s ?1 AND (?2 OR NOT unlimited_only) ORDER BY id LIMIT ?3"
	from, err := s.prepared(ctx, fmt.Sprintf(half, where, ">="))
	if err != nil {
		return nil, err
	}
	out, err := s.tracks(ctx, nil, from, args...)
	limit := args[2].(int)
	if err != nil || len(out) >= limit {
		return out, err
	}
	before, err := s.prepared(ctx, fmt.Sprintf(half, where, "<"))
	if err != nil {
		return nil, err
	}
	args[2] = limit - len(out)
	return s.tracks(ctx, out, before, args...)
}

func (s *stationSource) ArtistGenres(ctx context.Context, artists []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	err := s.query(ctx, `SELECT artist_id, genre_id, count(*) FROM tracks
		WHERE artist_id IN (SELECT value FROM json_each(?)) GROUP BY artist_id, genre_id`, []any{jsonIDs(artists)}, func(r *sql.Rows) error {
		var a, g string
		var n int
		err := r.Scan(&a, &g, &n)
		if out[a] == nil {
			out[a] = map[string]int{}
		}
		out[a][g] = n
		return err
	})
	return out, err
}

// jsonIDs encodes ids as a JSON array for json_each, [] when there are
// none (json_each('null') would be one NULL).
func jsonIDs(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	return jsonList(ids)
}

// jsonList encodes ids as a JSON array for json_each.
func jsonList(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// importTables are the table of each kind of item an import may name.
var importTables = map[catalog.Kind]string{
	catalog.KindGenre: "genres", catalog.KindArtist: "artists", catalog.KindAlbum: "albums",
	catalog.KindTrack: "tracks", catalog.KindPlaylist: "playlists",
}

// ImportCatalog adds or updates, by id, the items of d (as
// catalog.ParseImport returns it) in one transaction, then rebuilds the
// search index in it. References to items that are not in d must be in
// the catalog, or nothing is imported and the error is a
// *catalog.ImportError. A new track goes after its album's tracks; a
// track without an artist gets its album's. An imported playlist's
// tracks replace the ones it had.
func (db *DB) ImportCatalog(ctx context.Context, d *catalog.Data) (catalog.ImportStats, error) {
	var st catalog.ImportStats
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		st = catalog.ImportStats{}
		exists := func(kind catalog.Kind, id string) (bool, error) {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+importTables[kind]+" WHERE id = ?", id).Scan(&one)
			if err == sql.ErrNoRows {
				return false, nil
			}
			return err == nil, err
		}
		problems, err := catalog.MissingRefs(catalog.ExternalRefs(d), exists)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return &catalog.ImportError{Problems: problems}
		}
		// upsert counts the item as added or updated, then runs query.
		upsert := func(kind catalog.Kind, id string, added, updated *int, query string, args ...any) error {
			old, err := exists(kind, id)
			if err != nil {
				return err
			}
			if old {
				*updated++
			} else {
				*added++
			}
			_, err = tx.ExecContext(ctx, query, args...)
			return err
		}
		a, u := &st.Added, &st.Updated
		for _, g := range d.Genres {
			if err := upsert(catalog.KindGenre, g.ID, &a.Genres, &u.Genres,
				"INSERT INTO genres (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", g.ID, g.Name); err != nil {
				return err
			}
		}
		for _, ar := range d.Artists {
			if err := upsert(catalog.KindArtist, ar.ID, &a.Artists, &u.Artists,
				"INSERT INTO artists (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", ar.ID, ar.Name); err != nil {
				return err
			}
		}
		for _, al := range d.Albums {
			if err := upsert(catalog.KindAlbum, al.ID, &a.Albums, &u.Albums, `INSERT INTO albums (id, title, artist_id) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist_id = excluded.artist_id`, al.ID, al.Title, al.ArtistID); err != nil {
				return err
			}
		}
		for _, t := range d.Tracks {
			if err := upsert(catalog.KindTrack, t.ID, &a.Tracks, &u.Tracks, `INSERT INTO tracks (id, title, album_id, artist_id,
				genre_id, duration_ms, isrc, format, media_type, unlimited_only, album_pos)
				VALUES (?1, ?2, ?3, coalesce(nullif(?4, ''), (SELECT artist_id FROM albums WHERE id = ?3)), ?5, ?6, ?7, ?8, ?9, ?10,
					(SELECT coalesce(max(album_pos), 0) + 1 FROM tracks WHERE album_id = ?3))
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist_id = excluded.artist_id,
					genre_id = excluded.genre_id, duration_ms = excluded.duration_ms, isrc = excluded.isrc, format = excluded.format,
					media_type = excluded.media_type, unlimited_only = excluded.unlimited_only,
					album_pos = CASE WHEN tracks.album_id = excluded.album_id THEN tracks.album_pos ELSE excluded.album_pos END,
					album_id = excluded.album_id`,
				t.ID, t.Title, t.AlbumID, t.ArtistID, t.GenreID, t.DurationMs, t.ISRC, t.Format, t.MediaType, t.UnlimitedOnly); err != nil {
				return err
			}
		}
		for _, p := range d.Playlists {
			if err := upsert(catalog.KindPlaylist, p.ID, &a.Playlists, &u.Playlists,
				"INSERT INTO playlists (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", p.ID, p.Name); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM playlist_tracks WHERE playlist_id = ?", p.ID); err != nil {
				return err
			}
			for i, id := range p.TrackIDs {
				if _, err := tx.ExecContext(ctx, "INSERT INTO playlist_tracks (playlist_id, pos, track_id) VALUES (?, ?, ?)", p.ID, i, id); err != nil {
					return err
				}
			}
		}
		if err := bumpCatalog(ctx, tx); err != nil {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return catalog.ImportStats{}, fmt.Errorf("sqlite: import catalog: %w", err)
	}
	return st, nil
}
