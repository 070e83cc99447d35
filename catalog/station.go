package catalog

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"sort"
)

// Limits that keep the work of one station batch bounded whatever the size
// of the catalog (GatherStation).
const (
	// StationSeedMax is how many of its seed's tracks a station reads: a
	// longer seed (a long playlist) is sampled evenly (SampleSeed; a store
	// may sample a long playlist as it reads it).
	StationSeedMax = 100
	// StationPlaylistMax is the most entries a playlist may have and still
	// link tracks and artists. A bigger one says next to nothing about what
	// goes with what (Chinook's "Music" holds 94% of the catalog and would
	// make every artist a neighbour of every other), and reading it would
	// cost a batch as much as the catalog.
	StationPlaylistMax = 500
	// StationPlaylists is how many playlists around the seed a station
	// follows, the smallest (the most telling) first.
	StationPlaylists = 64
	// StationNeighbours is how many neighbouring artists a station weighs:
	// those that share the most playlist weight with the seed.
	StationNeighbours = 32
	// StationWindowArtists, StationWindowNeighbours and StationWindowGenres
	// are how many of the seed's artists, of their neighbours and of the
	// seed's genres a batch reads candidates from (Windows).
	StationWindowArtists    = 5
	StationWindowNeighbours = 12
	StationWindowGenres     = 3
	// StationPivots is how many pivots, evenly spaced through the catalog
	// in id order, a genre's window is read from (Windows): the tracks of
	// a genre that are next to each other in id order are often one
	// album, one artist.
	StationPivots = 3
	// StationBroader is how many tracks a broader pool may hold per track
	// of the batch.
	StationBroader = 10
)

// The weights of Station's score, as its doc comment explains them.
const (
	stationWeightArtist    = 3
	stationWeightNeighbour = 2
	stationWeightCooccur   = 2
	stationWeightGenre     = 1
	stationWeightNoise     = 0.5
)

// StationTrack is a track as a station scores it.
type StationTrack struct {
	TrackRef
	GenreID string
}

// StationCandidate is a track a station may choose.
type StationCandidate struct {
	StationTrack
	// Playlists are the playlists of SeedPlaylists that hold this track
	// and one of the seed's tracks.
	Playlists []string
}

// StationInput is what a station scores one batch by: facts read from the
// catalog as it stands (GatherStation), counts and ids only. Station does
// all the arithmetic, so that two stores that read the same catalog choose
// the same tracks.
type StationInput struct {
	// Seed is the seed's tracks, at most StationSeedMax (SampleSeed).
	Seed []StationTrack
	// CatalogSize is the number of tracks in the catalog.
	CatalogSize int
	// Playlists is the number of entries of the playlists named below,
	// counted up to StationPlaylistMax+1 (a bigger playlist weighs 0).
	Playlists map[string]int
	// SeedPlaylists are the playlists that hold a track by one of the
	// seed's leading artists and weigh more than 0 (fewer entries than
	// the catalog has tracks, and at most StationPlaylistMax): at most
	// StationPlaylists of them, the smallest.
	SeedPlaylists []string
	// ArtistPlaylists is, for the seed's leading artists and their
	// neighbours (the StationNeighbours artists that share the most
	// playlist weight with them through SeedPlaylists), the playlists that
	// hold one of their tracks.
	ArtistPlaylists map[string][]string
	// ArtistGenres is, for the candidates' artists, how many tracks each
	// has in each genre.
	ArtistGenres map[string]map[string]int
	// Candidates are the tracks to choose from: those of the Windows (of
	// the seed's artists, of their neighbours and of the seed's genres)
	// and those that share a playlist of SeedPlaylists with a seed track.
	// A track may be there more than once.
	Candidates []StationCandidate
	// Broader returns up to limit other tracks of the catalog, neither
	// excluded nor refused by the tier, chosen reproducibly from the salt.
	// Station calls it only when the candidates cannot fill the batch
	// within its spread caps. Nil means there are none.
	Broader func(limit int) ([]StationTrack, error)

	// cooccur is what around found: the playlists of SeedPlaylists that
	// hold a seed track, by the tracks they hold.
	cooccur map[string][]string
}

// Station chooses up to n tracks for a station's next batch, reproducibly
// from salt (a station passes a new salt for each batch). The candidates
// (in.Candidates, and in.Broader's when those cannot fill the batch within
// the spread caps below) that are in exclude (the station's horizon of
// recent tracks), or Unlimited-only while unlimited is false, are left
// out. Each of the others scores
//
//	3·A + 2·N + 2·C + 1·G + 0.5·ε
//
// where every term is in [0, 1]:
//
//   - A, same artist: the share of the seed's tracks that are by the
//     track's artist, relative to the seed's most frequent artist (1 for
//     a track, album or artist seed; 0 for any other artist). The
//     strongest term: a station is first of all its seed's artist.
//   - N, neighbouring artist: how close the track's artist is to the
//     seed's, the mean of two parts. Playlists: the cosine between the
//     artist's playlists and the seed's artists' playlists (SeedPlaylists),
//     each playlist weighted by w below, Σ w(shared) / √(Σ w(artist's) ·
//     Σ w(seed's)). It is 1 when the artist appears in exactly the
//     playlists the seed's artists do, and it does not favour an artist
//     merely for appearing in many playlists. Genres: the share of the
//     artist's tracks that are in the seed's genres, each genre counted
//     by its weight in G. The first part is what people put together, and
//     links artists across genres; the second tells a rock band from a
//     jazz player who recorded one rock track. The seed's own artists
//     score here too.
//   - C, co-occurrence: the evidence that playlists put this very track
//     with one of the seed's: 1 − Π (1 − w(p)) over the playlists p that
//     hold both. One playlist gives w(p); each further one adds to it
//     without passing 1. The most specific evidence there is, but sparse.
//   - G, same genre: the share of the seed's tracks in the track's genre,
//     relative to the seed's most frequent genre. Genres are coarse (one
//     in three Chinook tracks is rock), hence the smallest weight.
//   - ε, noise: a number in [0, 1) drawn from salt and the track's id.
//     It orders ties, and varies batches and sessions among tracks that
//     are about as similar, without undoing the terms above.
//
// With these weights the seed's artist comes first (3 is more than the 2
// that N and G can make together for an artist that shares no playlist
// with the seed), a track that the seed's
// playlists or a neighbour link to the seed comes before a stranger's of
// the same genre, and any such link outweighs the noise (at most 0.5,
// less than one Chinook playlist of 25 tracks gives through C).
//
// A playlist p of n(p) entries weighs w(p) = ln(N / n(p)) / ln(N), N being
// the catalog's size (its inverse document frequency, scaled to [0, 1]):
// 1 for a playlist of one track, 0 for one that holds the whole catalog.
// In Chinook the 15-track "Grunge" weighs 0.67 and the 75-track
// "Classical" 0.47; the 1,477-track "90's Music" would weigh 0.11, but a
// playlist of more than StationPlaylistMax entries weighs 0 (and is not
// read at all).
//
// The best-scored tracks are taken (ties by id), and artists are spread
// within the batch: the seed's leading artist (A = 1: the artist of a
// track, album or artist seed) may fill up to a third of it, so that it
// dominates a station's start, and any other artist a fifth. When those
// caps leave the batch short even with the broader pool, every artist may
// fill a third, and then the rest is taken in score order. The same input,
// exclude, n, salt and unlimited give the same tracks, in the same order.
func Station(in StationInput, exclude map[string]bool, n int, salt uint64, unlimited bool) ([]TrackRef, error) {
	if n <= 0 {
		return nil, nil
	}
	sc := newStationScorer(&in)
	var cands []scoredTrack
	seen := map[string]bool{}
	add := func(c StationCandidate) {
		if seen[c.TrackID] || exclude[c.TrackID] || c.UnlimitedOnly && !unlimited {
			return
		}
		seen[c.TrackID] = true
		cands = append(cands, scoredTrack{c.TrackRef, sc.score(c, salt)})
	}
	for _, c := range in.Candidates {
		add(c)
	}
	third, fifth := (n+2)/3, (n+4)/5
	spread := func(a string) int {
		if sc.artist[a] == 1 {
			return third
		}
		return fifth
	}
	sortScored(cands)
	if in.Broader != nil && len(pick(cands, n, spread)) < n {
		more, err := in.Broader(StationBroader * n)
		if err != nil {
			return nil, err
		}
		for _, t := range more {
			add(StationCandidate{StationTrack: t, Playlists: in.cooccur[t.TrackID]})
		}
		sortScored(cands)
	}
	return pick(cands, n, spread, func(string) int { return third }, func(string) int { return n }), nil
}

type scoredTrack struct {
	ref   TrackRef
	score float64
}

// sortScored sorts tracks best first, ties by id.
func sortScored(cands []scoredTrack) {
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].ref.TrackID < cands[j].ref.TrackID
	})
}

// pick takes up to n of cands in their order, in passes: in each, no
// artist beyond the pass's cap.
func pick(cands []scoredTrack, n int, caps ...func(artist string) int) []TrackRef {
	out := make([]TrackRef, 0, min(n, len(cands)))
	taken := make([]bool, len(cands))
	perArtist := map[string]int{}
	for _, limit := range caps {
		for i, c := range cands {
			if len(out) == n {
				return out
			}
			if taken[i] || perArtist[c.ref.ArtistID] >= limit(c.ref.ArtistID) {
				continue
			}
			taken[i] = true
			perArtist[c.ref.ArtistID]++
			out = append(out, c.ref)
		}
	}
	return out
}

// stationScorer computes Station's terms for one input.
type stationScorer struct {
	in            *StationInput
	artist, genre map[string]float64 // A and G by artist and genre
	weight        map[string]float64 // w by playlist
	seedPlaylists map[string]bool
	seedWeight    float64 // Σ w over SeedPlaylists
	neighbour     map[string]float64
}

func newStationScorer(in *StationInput) *stationScorer {
	sc := &stationScorer{in: in, weight: map[string]float64{}, seedPlaylists: map[string]bool{}, neighbour: map[string]float64{}}
	artists, genres := map[string]int{}, map[string]int{}
	for _, t := range in.Seed {
		artists[t.ArtistID]++
		genres[t.GenreID]++
	}
	sc.artist, sc.genre = relativeShares(artists), relativeShares(genres)
	for p, size := range in.Playlists {
		sc.weight[p] = PlaylistWeight(size, in.CatalogSize)
	}
	for _, p := range sortedSet(in.SeedPlaylists) {
		sc.seedPlaylists[p] = true
		sc.seedWeight += sc.weight[p]
	}
	return sc
}

// relativeShares maps each key to its count over the largest count.
func relativeShares(counts map[string]int) map[string]float64 {
	top := 0
	for _, k := range counts {
		top = max(top, k)
	}
	out := make(map[string]float64, len(counts))
	for key, k := range counts {
		out[key] = float64(k) / float64(top)
	}
	return out
}

// PlaylistWeight is the weight w of a playlist of size entries in a
// catalog of catalogSize tracks, as Station explains it.
func PlaylistWeight(size, catalogSize int) float64 {
	if size < 1 || size > StationPlaylistMax || catalogSize < 2 {
		return 0
	}
	return max(0, math.Log(float64(catalogSize)/float64(size))/math.Log(float64(catalogSize)))
}

func (sc *stationScorer) score(c StationCandidate, salt uint64) float64 {
	apart := 1.0
	for _, p := range sortedSet(c.Playlists) {
		apart *= 1 - sc.weight[p]
	}
	return stationWeightArtist*sc.artist[c.ArtistID] +
		stationWeightNeighbour*sc.neighbourOf(c.ArtistID) +
		stationWeightCooccur*(1-apart) +
		stationWeightGenre*sc.genre[c.GenreID] +
		stationWeightNoise*noise(salt, c.TrackID)
}

// byPlaylists is the playlists' part of the term N of an artist's tracks:
// the weighted cosine of its playlists and the seed's.
func (sc *stationScorer) byPlaylists(artist string) float64 {
	var shared, own float64
	for _, p := range sortedSet(sc.in.ArtistPlaylists[artist]) {
		own += sc.weight[p]
		if sc.seedPlaylists[p] {
			shared += sc.weight[p]
		}
	}
	if shared == 0 {
		return 0
	}
	return min(1, shared/math.Sqrt(own*sc.seedWeight))
}

// neighbourOf is the term N of an artist's tracks.
func (sc *stationScorer) neighbourOf(artist string) float64 {
	if v, ok := sc.neighbour[artist]; ok {
		return v
	}
	genres := sc.in.ArtistGenres[artist]
	keys := make([]string, 0, len(genres))
	for g := range genres {
		keys = append(keys, g)
	}
	sort.Strings(keys)
	total, inSeed := 0, 0.0
	for _, g := range keys {
		total += genres[g]
		inSeed += sc.genre[g] * float64(genres[g])
	}
	byGenres := 0.0
	if total > 0 {
		byGenres = inSeed / float64(total)
	}
	v := (sc.byPlaylists(artist) + byGenres) / 2
	sc.neighbour[artist] = v
	return v
}

// sortedSet returns the distinct ids of ids, sorted (a new slice).
func sortedSet(ids []string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	return slices.Compact(out)
}

// SampleSeed returns at most StationSeedMax of a seed's tracks (ids, in
// the seed's order), evenly spaced through it, first track included: what
// a station reads of a long playlist.
func SampleSeed(tracks []string) []string {
	if len(tracks) <= StationSeedMax {
		return tracks
	}
	out := make([]string, StationSeedMax)
	for i := range out {
		out[i] = tracks[i*len(tracks)/StationSeedMax]
	}
	return out
}

// StationWindow names tracks a batch reads as candidates: up to Limit
// tracks of an artist (or of a genre, when Genre is set), the first in id
// order from pivot Pivot on, wrapping around to the first. Pivot i is the
// track at position salt + i·size/StationPivots (mod size) of the
// catalog in id order, so that each batch reads other slices and, batch
// after batch, all of them.
type StationWindow struct {
	Genre bool
	Key   string
	Limit int
	Pivot int
}

// Windows returns the windows the candidates of a batch of n tracks are
// read from, once the seed and the playlists around it are known: 2n
// tracks of each of the seed's StationWindowArtists leading artists, n
// from each pivot of each of its StationWindowGenres leading genres, and
// n of each of the StationWindowNeighbours other artists whose playlists
// are the closest to the seed's (ties go by id). A batch takes at most a
// third of its tracks from one artist, so these are enough to choose
// from, and a batch reads a few hundred tracks whatever the size of the
// catalog.
func (in *StationInput) Windows(n int) []StationWindow {
	sc := newStationScorer(in)
	var out []StationWindow
	add := func(keys []string, genre bool, limit int) {
		for _, key := range keys {
			out = append(out, StationWindow{Genre: genre, Key: key, Limit: limit})
		}
	}
	add(leading(sc.artist, StationWindowArtists), false, 2*n)
	for _, g := range leading(sc.genre, StationWindowGenres) {
		for p := range StationPivots {
			out = append(out, StationWindow{Genre: true, Key: g, Limit: n, Pivot: p})
		}
	}
	near := map[string]float64{}
	for artist := range in.ArtistPlaylists {
		if sc.artist[artist] == 0 {
			if v := sc.byPlaylists(artist); v > 0 {
				near[artist] = v
			}
		}
	}
	add(leading(near, StationWindowNeighbours), false, n)
	return out
}

// leading returns the k keys of the greatest values, greatest first,
// ties by key.
func leading(values map[string]float64, k int) []string {
	keys := make([]string, 0, len(values))
	for key := range values {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		if values[keys[i]] != values[keys[j]] {
			return values[keys[i]] > values[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys[:min(k, len(keys))]
}

// PlaylistEntry is one entry of a playlist around a station's seed.
type PlaylistEntry struct {
	PlaylistID string
	TrackID    string
	ArtistID   string
}

// StationSource is what GatherStation reads: one consistent snapshot of a
// store's catalog. Ids are compared bytewise. The results may come in any
// order; GatherStation depends on none.
type StationSource interface {
	// Tracks returns the tracks with these ids that exist, leaving out
	// the Unlimited-only ones unless unlimited.
	Tracks(ctx context.Context, ids []string, unlimited bool) ([]StationTrack, error)
	// CatalogSize returns the number of tracks in the catalog.
	CatalogSize(ctx context.Context) (int, error)
	// TracksAt returns the ids of the tracks at these positions (from 0)
	// in id order, in the order of positions.
	TracksAt(ctx context.Context, positions []int) ([]string, error)
	// ArtistPlaylists returns, for each of these artists, the playlists
	// that hold one of its tracks, each once.
	ArtistPlaylists(ctx context.Context, artists []string) (map[string][]string, error)
	// PlaylistSizes returns the number of entries of each of these
	// playlists, counted up to max+1 and no further.
	PlaylistSizes(ctx context.Context, ids []string, max int) (map[string]int, error)
	// PlaylistEntries returns the entries of these playlists.
	PlaylistEntries(ctx context.Context, ids []string) ([]PlaylistEntry, error)
	// Windows returns the tracks of these windows (StationWindow), each
	// from its pivot (pivots[w.Pivot]) on, leaving out the Unlimited-only
	// ones unless unlimited: up to w.Limit with the pivot's id or a
	// greater one, in id order, then as many of the first as are needed to
	// make w.Limit, if there are.
	Windows(ctx context.Context, windows []StationWindow, pivots []string, unlimited bool) ([]StationTrack, error)
	// ArtistGenres returns how many tracks each of these artists has in
	// each genre.
	ArtistGenres(ctx context.Context, artists []string) (map[string]map[string]int, error)
	// Following returns up to limit tracks from the pivot on, in id order
	// and wrapping around as Window does, leaving out those in exclude and
	// the Unlimited-only ones unless unlimited.
	Following(ctx context.Context, pivot string, exclude []string, limit int, unlimited bool) ([]StationTrack, error)
}

// GatherStation reads from src what Station needs to choose a batch of n
// tracks for a station from seed (the seed item's track ids, in its
// order), in a bounded number of rows whatever the size of the catalog:
//
//  1. the seed's tracks, at most StationSeedMax (SampleSeed); the
//     catalog's size, and the windows' StationPivots pivots (the tracks at
//     positions salt + i·size/StationPivots, mod size, in id order);
//  2. the playlists of the seed's StationWindowArtists leading artists,
//     with their sizes (counted up to StationPlaylistMax+1), and every
//     entry of SeedPlaylists, the smallest of them that weigh more than 0.
//     Their other artists are the seed's neighbours (the
//     StationNeighbours that share the most playlist weight), and their
//     tracks that share one of them with a seed track co-occur with it;
//  3. the playlists of the neighbours, with their sizes;
//  4. the candidates: the tracks of the Windows and those that co-occur,
//     and how many tracks their artists have in each genre;
//  5. only if Station finds the candidates short, the broader pool: the
//     first tracks from the first pivot on (Following), as many as it
//     asks for.
//
// None of it depends on exclude but the broader pool, so that the
// horizon's 500 ids go to the store only when they are needed: the
// windows move with every batch's salt, and the broader pool makes up for
// windows that the horizon has spent.
func GatherStation(ctx context.Context, src StationSource, seed []string, exclude map[string]bool, n int, salt uint64, unlimited bool) (StationInput, error) {
	in := StationInput{Playlists: map[string]int{}, ArtistPlaylists: map[string][]string{}, cooccur: map[string][]string{}}
	var err error
	if in.Seed, err = src.Tracks(ctx, sortedSet(SampleSeed(seed)), true); err != nil {
		return in, err
	}
	if in.CatalogSize, err = src.CatalogSize(ctx); err != nil || in.CatalogSize == 0 {
		return in, err
	}
	positions := make([]int, StationPivots)
	for i := range positions {
		positions[i] = int((salt%uint64(in.CatalogSize) + uint64(i*in.CatalogSize/StationPivots)) % uint64(in.CatalogSize))
	}
	pivots, err := src.TracksAt(ctx, positions)
	if err != nil {
		return in, err
	}
	seedArtists := leading(newStationScorer(&in).artist, StationWindowArtists)
	if err := in.readArtistPlaylists(ctx, src, seedArtists); err != nil {
		return in, err
	}
	var near []string
	for _, a := range seedArtists {
		near = append(near, in.ArtistPlaylists[a]...)
	}
	near = slices.DeleteFunc(sortedSet(near), func(p string) bool { return PlaylistWeight(in.Playlists[p], in.CatalogSize) == 0 })
	sort.SliceStable(near, func(i, j int) bool { return in.Playlists[near[i]] < in.Playlists[near[j]] })
	in.SeedPlaylists = sortedSet(near[:min(len(near), StationPlaylists)])
	entries, err := src.PlaylistEntries(ctx, in.SeedPlaylists)
	if err != nil {
		return in, err
	}
	if err := in.readArtistPlaylists(ctx, src, in.around(entries)); err != nil {
		return in, err
	}
	windowed, err := src.Windows(ctx, in.Windows(n), pivots, unlimited)
	if err != nil {
		return in, err
	}
	in.addCandidates(windowed)
	cooccurring := make([]string, 0, len(in.cooccur))
	for id := range in.cooccur {
		cooccurring = append(cooccurring, id)
	}
	tracks, err := src.Tracks(ctx, sortedSet(cooccurring), unlimited)
	if err != nil {
		return in, err
	}
	in.addCandidates(tracks)
	artists := make([]string, len(in.Candidates))
	for i, c := range in.Candidates {
		artists[i] = c.ArtistID
	}
	if in.ArtistGenres, err = src.ArtistGenres(ctx, sortedSet(artists)); err != nil {
		return in, err
	}
	excluded := make([]string, 0, len(exclude))
	for id, ok := range exclude {
		if ok {
			excluded = append(excluded, id)
		}
	}
	in.Broader = func(limit int) ([]StationTrack, error) {
		return src.Following(ctx, pivots[0], sortedSet(excluded), limit, unlimited)
	}
	return in, nil
}

// readArtistPlaylists reads the playlists of artists, and the sizes of
// those whose size is not known yet.
func (in *StationInput) readArtistPlaylists(ctx context.Context, src StationSource, artists []string) error {
	if len(artists) == 0 {
		return nil
	}
	found, err := src.ArtistPlaylists(ctx, artists)
	if err != nil {
		return err
	}
	var unsized []string
	for a, ps := range found {
		in.ArtistPlaylists[a] = ps
		for _, p := range ps {
			if _, ok := in.Playlists[p]; !ok {
				unsized = append(unsized, p)
			}
		}
	}
	if len(unsized) == 0 {
		return nil
	}
	sizes, err := src.PlaylistSizes(ctx, sortedSet(unsized), StationPlaylistMax)
	if err != nil {
		return err
	}
	for p, size := range sizes {
		in.Playlists[p] = size
	}
	return nil
}

// around records which tracks share a playlist of SeedPlaylists with a
// seed track, from the playlists' entries, and returns the seed's
// neighbours: the StationNeighbours artists other than the seed's that
// share the most playlist weight with it (ties by id).
func (in *StationInput) around(entries []PlaylistEntry) []string {
	seedTracks := map[string]bool{}
	for _, t := range in.Seed {
		seedTracks[t.TrackID] = true
	}
	withSeed := map[string]bool{}
	for _, e := range entries {
		if seedTracks[e.TrackID] {
			withSeed[e.PlaylistID] = true
		}
	}
	seedArtists := map[string]bool{}
	for _, t := range in.Seed {
		seedArtists[t.ArtistID] = true
	}
	byArtist := map[string][]string{}
	for _, e := range entries {
		if withSeed[e.PlaylistID] {
			in.cooccur[e.TrackID] = append(in.cooccur[e.TrackID], e.PlaylistID)
		}
		if !seedArtists[e.ArtistID] {
			byArtist[e.ArtistID] = append(byArtist[e.ArtistID], e.PlaylistID)
		}
	}
	shared := map[string]float64{}
	for a, ps := range byArtist {
		for _, p := range sortedSet(ps) {
			shared[a] += PlaylistWeight(in.Playlists[p], in.CatalogSize)
		}
	}
	return leading(shared, StationNeighbours)
}

// addCandidates adds candidate tracks, with the playlists around found
// them to share with a seed track.
func (in *StationInput) addCandidates(tracks []StationTrack) {
	for _, t := range tracks {
		in.Candidates = append(in.Candidates, StationCandidate{StationTrack: t, Playlists: in.cooccur[t.TrackID]})
	}
}

// noise is a reproducible number in [0, 1) from salt and id.
func noise(salt uint64, id string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], salt)
	h.Write(b[:])
	h.Write([]byte(id))
	return float64(h.Sum64()>>11) / (1 << 53)
}
