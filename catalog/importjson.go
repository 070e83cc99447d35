package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Limits of a JSON catalog file (README, "Bring your own catalog").
const (
	MaxImportBytes   = 64 << 20
	MaxImportRecords = 1_000_000
	MaxImportName    = 500                 // characters of a title or a name
	MaxImportMs      = 24 * 60 * 60 * 1000 // a track lasts at most a day
)

// ImportFormats are the formats a track of a JSON catalog may have; MP4
// is video, the others audio.
var ImportFormats = []string{"MP3", "AAC", "FLAC", "OPUS", "MP4"}

var isrcRe = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$`)

// Problem is one thing wrong with an imported catalog: the record
// ("tracks[12]", or "file" for the file as a whole), its field
// ("durationMs", "trackIds[3]", or "") and what is wrong.
type Problem struct {
	Where   string `json:"where"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String returns "tracks[12].durationMs: must be positive".
func (p Problem) String() string {
	if p.Field == "" {
		return p.Where + ": " + p.Message
	}
	return p.Where + "." + p.Field + ": " + p.Message
}

// ImportError is a catalog that cannot be imported, with every problem
// found in it.
type ImportError struct{ Problems []Problem }

func (e *ImportError) Error() string {
	if len(e.Problems) == 1 {
		return "catalog import: " + e.Problems[0].String()
	}
	return fmt.Sprintf("catalog import: %d problems, the first: %s", len(e.Problems), e.Problems[0])
}

// ImportCounts counts the items of each kind.
type ImportCounts struct {
	Genres    int `json:"genres"`
	Artists   int `json:"artists"`
	Albums    int `json:"albums"`
	Tracks    int `json:"tracks"`
	Playlists int `json:"playlists"`
}

// ImportStats says what an import did: the items it added, and the ones
// that existed and it updated.
type ImportStats struct {
	Added   ImportCounts `json:"added"`
	Updated ImportCounts `json:"updated"`
}

// importFile is the JSON shape of a catalog file.
type importFile struct {
	Genres  []importNamed `json:"genres"`
	Artists []importNamed `json:"artists"`
	Albums  []struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		ArtistID string `json:"artistId"`
	} `json:"albums"`
	Tracks []struct {
		ID            string `json:"id"`
		Title         string `json:"title"`
		AlbumID       string `json:"albumId"`
		ArtistID      string `json:"artistId"`
		GenreID       string `json:"genreId"`
		DurationMs    int64  `json:"durationMs"`
		ISRC          string `json:"isrc"`
		Format        string `json:"format"`
		UnlimitedOnly bool   `json:"unlimitedOnly"`
	} `json:"tracks"`
	Playlists []struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		TrackIDs []string `json:"trackIds"`
	} `json:"playlists"`
}

type importNamed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ParseImport reads and checks a JSON catalog (README, "Bring your own
// catalog"). It returns an *ImportError listing every problem it finds.
// A track without artistId is left without one: the store gives it its
// album's artist. References to items that are not in the file are
// left for the store to check: see ExternalRefs.
func ParseImport(r io.Reader) (*Data, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("catalog import: read: %w", err)
	}
	if len(b) > MaxImportBytes {
		return nil, fileProblem("", "larger than %d MiB", MaxImportBytes>>20)
	}
	var f importFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, decodeProblem(b, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fileProblem("", "more data after the catalog object")
	}
	n := len(f.Genres) + len(f.Artists) + len(f.Albums) + len(f.Tracks) + len(f.Playlists)
	for _, p := range f.Playlists {
		n += len(p.TrackIDs)
	}
	if n > MaxImportRecords {
		return nil, fileProblem("", "%d records (items and playlist entries), more than %d", n, MaxImportRecords)
	}

	v := &validator{ids: map[string]string{}}
	d := &Data{}
	for i, g := range f.Genres {
		w := fmt.Sprintf("genres[%d]", i)
		v.id(w, g.ID)
		v.name(w, "name", g.Name)
		d.Genres = append(d.Genres, Genre{g.ID, g.Name})
	}
	for i, a := range f.Artists {
		w := fmt.Sprintf("artists[%d]", i)
		v.id(w, a.ID)
		v.name(w, "name", a.Name)
		d.Artists = append(d.Artists, Artist{a.ID, a.Name})
	}
	for i, a := range f.Albums {
		w := fmt.Sprintf("albums[%d]", i)
		v.id(w, a.ID)
		v.name(w, "title", a.Title)
		v.ref(w, "artistId", a.ArtistID, true)
		d.Albums = append(d.Albums, Album{a.ID, a.Title, a.ArtistID})
	}
	for i, t := range f.Tracks {
		w := fmt.Sprintf("tracks[%d]", i)
		v.id(w, t.ID)
		v.name(w, "title", t.Title)
		v.ref(w, "albumId", t.AlbumID, true)
		v.ref(w, "artistId", t.ArtistID, false)
		v.ref(w, "genreId", t.GenreID, false)
		switch {
		case t.DurationMs <= 0:
			v.add(w, "durationMs", "must be positive")
		case t.DurationMs > MaxImportMs:
			v.add(w, "durationMs", fmt.Sprintf("must be at most %d (24 hours)", MaxImportMs))
		}
		if t.ISRC != "" && !isrcRe.MatchString(t.ISRC) {
			v.add(w, "isrc", "must be 12 characters: 2 letters, 3 letters or digits, 7 digits (e.g. USRC17607839)")
		}
		tr := Track{ID: t.ID, Title: t.Title, AlbumID: t.AlbumID, ArtistID: t.ArtistID, GenreID: t.GenreID,
			DurationMs: t.DurationMs, ISRC: t.ISRC, Format: t.Format, MediaType: "AUDIO", UnlimitedOnly: t.UnlimitedOnly}
		switch t.Format {
		case "":
			tr.Format = "MP3"
		case "MP4":
			tr.MediaType = "VIDEO"
		case "MP3", "AAC", "FLAC", "OPUS":
		default:
			v.add(w, "format", "must be one of "+strings.Join(ImportFormats, ", "))
		}
		d.Tracks = append(d.Tracks, tr)
	}
	for i, p := range f.Playlists {
		w := fmt.Sprintf("playlists[%d]", i)
		v.id(w, p.ID)
		v.name(w, "name", p.Name)
		for j, id := range p.TrackIDs {
			v.ref(w, fmt.Sprintf("trackIds[%d]", j), id, true)
		}
		d.Playlists = append(d.Playlists, Playlist{ID: p.ID, Name: p.Name, TrackIDs: p.TrackIDs})
	}
	if len(v.problems) > 0 {
		return nil, &ImportError{Problems: v.problems}
	}
	return d, nil
}

// validator collects problems, and the first record that uses each id.
type validator struct {
	problems []Problem
	ids      map[string]string
}

func (v *validator) add(where, field, msg string) {
	v.problems = append(v.problems, Problem{where, field, msg})
}

// idProblem says what is wrong with a plain catalog id, or "".
func idProblem(id string) string {
	if id == "" {
		return "required"
	}
	plain, kind, err := ParseID(id)
	if err != nil {
		return "must be 1–200 letters, digits, '-', '_' or '.'"
	}
	if kind != "" || plain != id {
		return "must be a plain id, not an MRN"
	}
	return ""
}

// id checks a record's own id, unique across every kind (a plain id must
// name one item), and reports whether it is valid and new.
func (v *validator) id(where, id string) bool {
	if msg := idProblem(id); msg != "" {
		v.add(where, "id", msg)
		return false
	}
	if first, ok := v.ids[id]; ok {
		v.add(where, "id", "duplicate id, already used by "+first)
		return false
	}
	v.ids[id] = where
	return true
}

// ref checks the syntax of a reference to another item.
func (v *validator) ref(where, field, id string, required bool) {
	if id == "" && !required {
		return
	}
	if msg := idProblem(id); msg != "" {
		v.add(where, field, msg)
	}
}

func (v *validator) name(where, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.add(where, field, "required")
	case utf8.RuneCountInString(s) > MaxImportName:
		v.add(where, field, fmt.Sprintf("longer than %d characters", MaxImportName))
	}
}

func fileProblem(field, format string, args ...any) *ImportError {
	return &ImportError{Problems: []Problem{{Where: "file", Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// decodeProblem turns a JSON decoding error into a problem that says
// where in the file it is.
func decodeProblem(b []byte, err error) error {
	line := func(off int64) int { return 1 + bytes.Count(b[:min(int(off), len(b))], []byte("\n")) }
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fileProblem("", "line %d: invalid JSON: %v", line(syn.Offset), syn)
	case errors.As(err, &typ):
		return fileProblem(typ.Field, "line %d: must be a JSON %s, not %s", line(typ.Offset), jsonType(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fileProblem("", "incomplete JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fileProblem(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
	}
	return fileProblem("", "invalid JSON: %v", err)
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int64", "int":
		return "integer"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct":
		return "object"
	}
	return goKind
}

// Ref is a reference from an imported record to an item that is not in
// the file, which must therefore be in the store's catalog.
type Ref struct {
	Kind         Kind
	ID           string
	Where, Field string
}

// ExternalRefs lists the references of d (as ParseImport returns it) to
// items that are not in d, for the store to check in the transaction
// that imports d.
func ExternalRefs(d *Data) []Ref {
	in := map[Kind]map[string]bool{KindGenre: {}, KindArtist: {}, KindAlbum: {}, KindTrack: {}}
	for _, g := range d.Genres {
		in[KindGenre][g.ID] = true
	}
	for _, a := range d.Artists {
		in[KindArtist][a.ID] = true
	}
	for _, a := range d.Albums {
		in[KindAlbum][a.ID] = true
	}
	for _, t := range d.Tracks {
		in[KindTrack][t.ID] = true
	}
	var out []Ref
	check := func(kind Kind, id, where, field string) {
		if id != "" && !in[kind][id] {
			out = append(out, Ref{kind, id, where, field})
		}
	}
	for i, a := range d.Albums {
		check(KindArtist, a.ArtistID, fmt.Sprintf("albums[%d]", i), "artistId")
	}
	for i, t := range d.Tracks {
		w := fmt.Sprintf("tracks[%d]", i)
		check(KindAlbum, t.AlbumID, w, "albumId")
		check(KindArtist, t.ArtistID, w, "artistId")
		check(KindGenre, t.GenreID, w, "genreId")
	}
	for i, p := range d.Playlists {
		for j, id := range p.TrackIDs {
			check(KindTrack, id, fmt.Sprintf("playlists[%d]", i), fmt.Sprintf("trackIds[%d]", j))
		}
	}
	return out
}

// MissingRefs returns a problem for each reference that exists reports
// missing, or the first error of exists.
func MissingRefs(refs []Ref, exists func(Kind, string) (bool, error)) ([]Problem, error) {
	var out []Problem
	known := map[Ref]bool{}
	for _, r := range refs {
		key := Ref{Kind: r.Kind, ID: r.ID}
		ok, seen := known[key]
		if !seen {
			var err error
			if ok, err = exists(r.Kind, r.ID); err != nil {
				return nil, err
			}
			known[key] = ok
		}
		if !ok {
			out = append(out, Problem{r.Where, r.Field, fmt.Sprintf("no %s %s in the file or the catalog", r.Kind, r.ID)})
		}
	}
	return out, nil
}
