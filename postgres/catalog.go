package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

var (
	_ playback.Catalog        = (*DB)(nil)
	_ playback.CatalogStamper = (*DB)(nil)
)

// CatalogSize returns the number of tracks in the catalog.
func (db *DB) CatalogSize(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRow(ctx, "SELECT count(*) FROM tracks").Scan(&n)
	return n, err
}

// CatalogStamp implements playback.CatalogStamper: it returns the
// catalog's stamp (migration 0005), which every transaction that changes
// the catalog increments, from whichever instance or command made it.
func (db *DB) CatalogStamp(ctx context.Context) (int64, error) {
	return db.stamp(ctx, "catalog_stamp")
}

// stamp reads the one-row stamp table (catalog_stamp, auth_stamp).
func (db *DB) stamp(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := db.r.QueryRow(ctx, "SELECT n FROM "+table+" WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", table, err)
	}
	return n, nil
}

// bumpCatalog increments the catalog's stamp in tx, the transaction that
// changes the catalog: caches of its tracks (playback.CacheTracks) see
// the change once it commits, and not if it rolls back. It locks the
// stamp's row until then, so the transactions that change the catalog
// call it last, after their advisory locks, and cannot deadlock on it.
func bumpCatalog(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "UPDATE catalog_stamp SET n = n + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("catalog stamp: %w", err)
	}
	return nil
}

// LoadCatalog adds a whole catalog in one transaction, each table with
// one COPY.
func (db *DB) LoadCatalog(ctx context.Context, d *catalog.Data) error {
	pos := map[string]int{}
	tracks := make([][]any, len(d.Tracks))
	for i, t := range d.Tracks {
		pos[t.AlbumID]++
		tracks[i] = []any{t.ID, t.Title, t.AlbumID, t.ArtistID, t.GenreID, t.Composer, t.DurationMs, t.ISRC, t.Format,
			t.MediaType, t.AudioPath, pos[t.AlbumID], t.UnlimitedOnly}
	}
	var playlists, entries [][]any
	for _, p := range d.Playlists {
		playlists = append(playlists, []any{p.ID, p.Name})
		for i, id := range p.TrackIDs {
			entries = append(entries, []any{p.ID, i, id})
		}
	}
	tables := []struct {
		name string
		cols []string
		rows [][]any
	}{
		{"genres", []string{"id", "name"}, rowsOf(d.Genres, func(g catalog.Genre) []any { return []any{g.ID, g.Name} })},
		{"artists", []string{"id", "name"}, rowsOf(d.Artists, func(a catalog.Artist) []any { return []any{a.ID, a.Name} })},
		{"albums", []string{"id", "title", "artist_id"}, rowsOf(d.Albums, func(a catalog.Album) []any { return []any{a.ID, a.Title, a.ArtistID} })},
		{"tracks", []string{"id", "title", "album_id", "artist_id", "genre_id", "composer", "duration_ms", "isrc", "format",
			"media_type", "audio_path", "album_pos", "unlimited_only"}, tracks},
		{"playlists", []string{"id", "name"}, playlists},
		{"playlist_tracks", []string{"playlist_id", "pos", "track_id"}, entries},
	}
	err := db.write(ctx, func(tx pgx.Tx) error {
		for _, t := range tables {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
		if err := bumpCatalog(ctx, tx); err != nil {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("postgres: load catalog: %w", err)
	}
	return nil
}

func rowsOf[T any](items []T, row func(T) []any) [][]any {
	out := make([][]any, len(items))
	for i, it := range items {
		out[i] = row(it)
	}
	return out
}

// trackQueries lists the tracks each kind of container plays, in order.
var trackQueries = map[catalog.Kind]string{
	catalog.KindTrack:    "SELECT id, artist_id, unlimited_only FROM tracks WHERE id = $1",
	catalog.KindAlbum:    "SELECT id, artist_id, unlimited_only FROM tracks WHERE album_id = $1 ORDER BY album_pos, id",
	catalog.KindArtist:   "SELECT id, artist_id, unlimited_only FROM tracks WHERE artist_id = $1 ORDER BY album_id, album_pos, id",
	catalog.KindPlaylist: "SELECT t.id, t.artist_id, t.unlimited_only FROM playlist_tracks p JOIN tracks t ON t.id = p.track_id WHERE p.playlist_id = $1 ORDER BY p.pos",
}

// kindOf returns the kind of a plain catalog id, trying track, album,
// artist and playlist in that order (only want's kind when want is one
// of them), or RESOURCE_NOT_FOUND.
func (db *DB) kindOf(ctx context.Context, id string, want catalog.Kind) (catalog.Kind, error) {
	kinds := []string{string(catalog.KindTrack), string(catalog.KindAlbum), string(catalog.KindArtist), string(catalog.KindPlaylist)}
	if want != "" && want != catalog.KindStation {
		kinds = []string{string(want)}
	}
	var kind string
	err := db.r.QueryRow(ctx, `SELECT k FROM (
			SELECT 1 AS o, 'track' AS k FROM tracks WHERE id = $1
			UNION ALL SELECT 2, 'album' FROM albums WHERE id = $1
			UNION ALL SELECT 3, 'artist' FROM artists WHERE id = $1
			UNION ALL SELECT 4, 'playlist' FROM playlists WHERE id = $1) x
		WHERE k = ANY($2) ORDER BY o LIMIT 1`, id, kinds).Scan(&kind)
	if want != "" {
		return catalog.Kind(kind), notFound(err, "no %s %s in the catalog", want, id)
	}
	return catalog.Kind(kind), notFound(err, "no catalog item %s", id)
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
		return catalog.Item{}, fmt.Errorf("postgres: tracks of %s: %w", id, err)
	}
	return catalog.Item{Kind: kind, ID: id, Tracks: refs}, nil
}

func (db *DB) trackRefs(ctx context.Context, query string, args ...any) ([]catalog.TrackRef, error) {
	rows, _ := db.r.Query(ctx, query, args...)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalog.TrackRef, error) {
		var t catalog.TrackRef
		err := r.Scan(&t.TrackID, &t.ArtistID, &t.UnlimitedOnly)
		return t, err
	})
}

// Tracks implements playback.Catalog.
func (db *DB) Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error) {
	out := make(map[string]catalog.Track, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, _ := db.r.Query(ctx, trackSelect+"WHERE t.id = ANY($1)", ids)
	tracks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.Track, error) { return scanTrack(row) })
	for _, t := range tracks {
		out[t.ID] = t
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: tracks: %w", err)
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
	err = db.read(ctx, func(tx pgx.Tx) error {
		args := []any{id}
		if kind == catalog.KindPlaylist {
			args = append(args, catalog.StationSeedMax)
		}
		rows, _ := tx.Query(ctx, stationSeedQueries[kind], args...)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		in, err := catalog.GatherStation(ctx, stationSource{tx}, ids, exclude, n, salt, unlimited)
		if err != nil {
			return err
		}
		out, err = catalog.Station(in, exclude, n, salt, unlimited)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: station from %s: %w", id, err)
	}
	return out, nil
}

// stationSeedQueries list the track ids of each kind of seed, in the
// order of trackQueries (ids compared bytewise, as in SQLite). A
// playlist's are sampled here, every k-th position with k the least that
// leaves at most $2 (catalog.StationSeedMax), as in SQLite.
var stationSeedQueries = map[catalog.Kind]string{
	catalog.KindTrack:  "SELECT id FROM tracks WHERE id = $1",
	catalog.KindAlbum:  "SELECT id FROM tracks WHERE album_id = $1 ORDER BY album_pos, id",
	catalog.KindArtist: `SELECT id FROM tracks WHERE artist_id = $1 ORDER BY album_id COLLATE "C", album_pos, id`,
	catalog.KindPlaylist: `SELECT track_id FROM playlist_tracks WHERE playlist_id = $1
		AND pos % (SELECT (max(pos) + $2) / $2 FROM playlist_tracks WHERE playlist_id = $1) = 0 ORDER BY pos`,
}

// stationSource is catalog.StationSource on a read transaction. Migration
// 0004 adds the indexes that answer each query from an index: a window or
// the tracks that follow the pivot are one or two short index ranges.
type stationSource struct{ tx pgx.Tx }

const stationCols = "id, artist_id, genre_id, unlimited_only"

func (s stationSource) tracks(ctx context.Context, out []catalog.StationTrack, query string, args ...any) ([]catalog.StationTrack, error) {
	rows, _ := s.tx.Query(ctx, query, args...)
	var t catalog.StationTrack
	_, err := pgx.ForEachRow(rows, []any{&t.TrackID, &t.ArtistID, &t.GenreID, &t.UnlimitedOnly}, func() error {
		out = append(out, t)
		return nil
	})
	return out, err
}

func (s stationSource) Tracks(ctx context.Context, ids []string, unlimited bool) ([]catalog.StationTrack, error) {
	return s.tracks(ctx, nil, "SELECT "+stationCols+" FROM tracks WHERE id = ANY($1) AND ($2 OR NOT unlimited_only)", ids, unlimited)
}

func (s stationSource) CatalogSize(ctx context.Context) (int, error) {
	var n int
	err := s.tx.QueryRow(ctx, "SELECT count(*) FROM tracks").Scan(&n)
	return n, err
}

func (s stationSource) TracksAt(ctx context.Context, positions []int) ([]string, error) {
	rows, _ := s.tx.Query(ctx, `SELECT (SELECT id FROM tracks ORDER BY id LIMIT 1 OFFSET p.pos)
		FROM unnest($1::int[]) WITH ORDINALITY AS p(pos, i) ORDER BY p.i`, positions)
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (s stationSource) ArtistPlaylists(ctx context.Context, artists []string) (map[string][]string, error) {
	out := map[string][]string{}
	rows, _ := s.tx.Query(ctx, `SELECT DISTINCT t.artist_id, pt.playlist_id FROM tracks t JOIN playlist_tracks pt ON pt.track_id = t.id
		WHERE t.artist_id = ANY($1)`, artists)
	var a, p string
	_, err := pgx.ForEachRow(rows, []any{&a, &p}, func() error {
		out[a] = append(out[a], p)
		return nil
	})
	return out, err
}

func (s stationSource) PlaylistSizes(ctx context.Context, ids []string, max int) (map[string]int, error) {
	out := map[string]int{}
	rows, _ := s.tx.Query(ctx, `SELECT p, (SELECT count(*) FROM (SELECT 1 FROM playlist_tracks WHERE playlist_id = p LIMIT $2) x)
		FROM unnest($1::text[]) p`, ids, max+1)
	var p string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&p, &n}, func() error {
		out[p] = n
		return nil
	})
	return out, err
}

func (s stationSource) PlaylistEntries(ctx context.Context, ids []string) ([]catalog.PlaylistEntry, error) {
	rows, _ := s.tx.Query(ctx, `SELECT pt.playlist_id, pt.track_id, t.artist_id FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
		WHERE pt.playlist_id = ANY($1)`, ids)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalog.PlaylistEntry, error) {
		var e catalog.PlaylistEntry
		err := r.Scan(&e.PlaylistID, &e.TrackID, &e.ArtistID)
		return e, err
	})
}

// Windows sends one query per window, all in one batch (one round trip).
func (s stationSource) Windows(ctx context.Context, windows []catalog.StationWindow, pivots []string, unlimited bool) ([]catalog.StationTrack, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	var batch pgx.Batch
	var out []catalog.StationTrack
	for _, w := range windows {
		col := "artist_id"
		if w.Genre {
			col = "genre_id"
		}
		batch.Queue(wrapped("WHERE "+col+" = $4 AND"), pivots[w.Pivot], unlimited, w.Limit, w.Key)
	}
	results := s.tx.SendBatch(ctx, &batch)
	defer results.Close()
	var t catalog.StationTrack
	for range windows {
		rows, _ := results.Query()
		_, err := pgx.ForEachRow(rows, []any{&t.TrackID, &t.ArtistID, &t.GenreID, &t.UnlimitedOnly}, func() error {
			out = append(out, t)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, results.Close()
}

func (s stationSource) Following(ctx context.Context, pivot string, exclude []string, limit int, unlimited bool) ([]catalog.StationTrack, error) {
	return s.tracks(ctx, nil, wrapped("WHERE id NOT IN (SELECT unnest($4::text[])) AND"), pivot, unlimited, limit, exclude)
}

// wrapped returns the query of up to $3 tracks that pass where (which ends
// in AND) from the pivot $1 on in id order, then from the first: two short
// index ranges and a sort of what they return; $2 is unlimited.
func wrapped(where string) string {
	half := "(SELECT " + stationCols + " FROM tracks " + where + " id %s $1 AND ($2 OR NOT unlimited_only) ORDER BY id LIMIT $3)"
	return "SELECT * FROM (" + fmt.Sprintf(half, ">=") + " UNION ALL " + fmt.Sprintf(half, "<") + ") w ORDER BY id < $1, id LIMIT $3"
}

func (s stationSource) ArtistGenres(ctx context.Context, artists []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	rows, _ := s.tx.Query(ctx, `SELECT artist_id, genre_id, count(*) FROM tracks WHERE artist_id = ANY($1) GROUP BY artist_id, genre_id`, artists)
	var a, g string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&a, &g, &n}, func() error {
		if out[a] == nil {
			out[a] = map[string]int{}
		}
		out[a][g] = n
		return nil
	})
	return out, err
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
// tracks replace the ones it had. Imports and index rebuilds take
// turns (the search index's advisory lock).
func (db *DB) ImportCatalog(ctx context.Context, d *catalog.Data) (catalog.ImportStats, error) {
	var st catalog.ImportStats
	err := db.write(ctx, func(tx pgx.Tx) error {
		st = catalog.ImportStats{}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", searchLockKey); err != nil {
			return err
		}
		exists := func(kind catalog.Kind, id string) (bool, error) {
			var ok bool
			err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+importTables[kind]+" WHERE id = $1)", id).Scan(&ok)
			return ok, err
		}
		problems, err := catalog.MissingRefs(catalog.ExternalRefs(d), exists)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return &catalog.ImportError{Problems: problems}
		}
		// upsert runs query, which returns whether it inserted, and counts
		// the item as added or updated.
		upsert := func(added, updated *int, query string, args ...any) error {
			var inserted bool
			if err := tx.QueryRow(ctx, query+" RETURNING (xmax = 0)", args...).Scan(&inserted); err != nil {
				return err
			}
			if inserted {
				*added++
			} else {
				*updated++
			}
			return nil
		}
		a, u := &st.Added, &st.Updated
		for _, g := range d.Genres {
			if err := upsert(&a.Genres, &u.Genres,
				"INSERT INTO genres (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", g.ID, g.Name); err != nil {
				return fmt.Errorf("genre %s: %w", g.ID, err)
			}
		}
		for _, ar := range d.Artists {
			if err := upsert(&a.Artists, &u.Artists,
				"INSERT INTO artists (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", ar.ID, ar.Name); err != nil {
				return fmt.Errorf("artist %s: %w", ar.ID, err)
			}
		}
		for _, al := range d.Albums {
			if err := upsert(&a.Albums, &u.Albums, `INSERT INTO albums (id, title, artist_id) VALUES ($1, $2, $3)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist_id = excluded.artist_id`, al.ID, al.Title, al.ArtistID); err != nil {
				return fmt.Errorf("album %s: %w", al.ID, err)
			}
		}
		for _, t := range d.Tracks {
			if err := upsert(&a.Tracks, &u.Tracks, `INSERT INTO tracks (id, title, album_id, artist_id,
				genre_id, duration_ms, isrc, format, media_type, unlimited_only, album_pos)
				VALUES ($1, $2, $3, coalesce(nullif($4, ''), (SELECT artist_id FROM albums WHERE id = $3)), $5, $6, $7, $8, $9, $10,
					(SELECT coalesce(max(album_pos), 0) + 1 FROM tracks WHERE album_id = $3))
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist_id = excluded.artist_id,
					genre_id = excluded.genre_id, duration_ms = excluded.duration_ms, isrc = excluded.isrc, format = excluded.format,
					media_type = excluded.media_type, unlimited_only = excluded.unlimited_only,
					album_pos = CASE WHEN tracks.album_id = excluded.album_id THEN tracks.album_pos ELSE excluded.album_pos END,
					album_id = excluded.album_id`,
				t.ID, t.Title, t.AlbumID, t.ArtistID, t.GenreID, t.DurationMs, t.ISRC, t.Format, t.MediaType, t.UnlimitedOnly); err != nil {
				return fmt.Errorf("track %s: %w", t.ID, err)
			}
		}
		for _, p := range d.Playlists {
			if err := upsert(&a.Playlists, &u.Playlists,
				"INSERT INTO playlists (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", p.ID, p.Name); err != nil {
				return fmt.Errorf("playlist %s: %w", p.ID, err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM playlist_tracks WHERE playlist_id = $1", p.ID); err != nil {
				return err
			}
			entries := make([][]any, len(p.TrackIDs))
			for i, id := range p.TrackIDs {
				entries[i] = []any{p.ID, i, id}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"playlist_tracks"}, []string{"playlist_id", "pos", "track_id"}, pgx.CopyFromRows(entries)); err != nil {
				return fmt.Errorf("playlist %s: %w", p.ID, err)
			}
		}
		if err := bumpCatalog(ctx, tx); err != nil {
			return err
		}
		return indexCatalog(ctx, tx)
	})
	if err != nil {
		return catalog.ImportStats{}, fmt.Errorf("postgres: import catalog: %w", err)
	}
	return st, nil
}
