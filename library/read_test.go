package library

import (
	"bytes"
	"fmt"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue/library/audiogen"
)

// format is one format audiogen writes.
type format struct {
	name, ext, format, contentType string
	gen                            func(audiogen.Tags) []byte
	slackMs                        int64 // how far the duration read may be from the one asked for
}

var formats = []format{
	{"FLAC", ".flac", "FLAC", "audio/flac", audiogen.FLAC, 0},
	{"MP3", ".mp3", "MP3", "audio/mpeg", audiogen.MP3, 12}, // whole 24 ms frames
	{"Opus", ".opus", "OPUS", "audio/ogg", audiogen.Opus, 0},
	{"M4A", ".m4a", "AAC", "audio/mp4", audiogen.M4A, 0},
}

var cover = audiogen.PNG(color.RGBA{R: 200, G: 30, B: 90, A: 255})

// allTags sets every tag.
func allTags(d time.Duration) audiogen.Tags {
	return audiogen.Tags{Title: "Größe & Ünïcode ♪", Artist: "The Artist", AlbumArtist: "Various Artists",
		Album: "An Album", Genre: "Synthpop", Year: 1987, Track: 12, Disc: 2, ISRC: "GBAYE8700123",
		Duration: d, Cover: cover}
}

// writeFile writes b to a file named name in a new temporary directory.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkMeta compares got with want, the duration within slack.
func checkMeta(t *testing.T, got, want Meta, slackMs int64) {
	t.Helper()
	if d := got.DurationMs - want.DurationMs; d < -slackMs || d > slackMs {
		t.Errorf("DurationMs = %d, want %d ± %d", got.DurationMs, want.DurationMs, slackMs)
	}
	got.DurationMs = want.DurationMs
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read:\n got %+v (cover %v)\nwant %+v (cover %v)", got, coverInfo(got.Cover), want, coverInfo(want.Cover))
	}
}

func coverInfo(p *Picture) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%s, %d bytes", p.MIMEType, len(p.Data))
}

func TestRead_AllTags(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			p := writeFile(t, "song"+f.ext, f.gen(allTags(2300*time.Millisecond)))
			got, err := Read(p)
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, got, Meta{Format: f.format, ContentType: f.contentType,
				Title: "Größe & Ünïcode ♪", Artist: "The Artist", AlbumArtist: "Various Artists",
				Album: "An Album", Genre: "Synthpop", Year: 1987, TrackNumber: 12, DiscNumber: 2,
				ISRC: "GBAYE8700123", DurationMs: 2300, Cover: &Picture{MIMEType: "image/png", Data: cover}}, f.slackMs)
		})
	}
}

func TestRead_Untagged(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			p := writeFile(t, "song"+f.ext, f.gen(audiogen.Tags{Duration: 1700 * time.Millisecond}))
			got, err := Read(p)
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, got, Meta{Format: f.format, ContentType: f.contentType, DurationMs: 1700}, f.slackMs)
		})
	}
}

func TestRead_Normalizes(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			tags := audiogen.Tags{Title: "  Padded\t", Artist: " A ", ISRC: " usrc17607839 ", Track: 300,
				Duration: time.Second}
			got, err := ReadFrom(bytes.NewReader(f.gen(tags)), int64(len(f.gen(tags))))
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, got, Meta{Format: f.format, ContentType: f.contentType, Title: "Padded", Artist: "A",
				ISRC: "USRC17607839", TrackNumber: 300, DurationMs: 1000}, f.slackMs)

			tags.ISRC = "US-RC1-76-07839" // the display form is not an ISRC field's value
			got, err = ReadFrom(bytes.NewReader(f.gen(tags)), int64(len(f.gen(tags))))
			if err != nil || got.ISRC != "" {
				t.Errorf("ISRC %q: read %q, %v; want \"\"", tags.ISRC, got.ISRC, err)
			}
		})
	}
}

func TestRead_Durations(t *testing.T) {
	for _, f := range formats {
		for _, d := range []time.Duration{20 * time.Millisecond, 999 * time.Millisecond, 61 * time.Second} {
			t.Run(f.name+"/"+d.String(), func(t *testing.T) {
				b := f.gen(audiogen.Tags{Duration: d})
				got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatal(err)
				}
				if want := d.Milliseconds(); got.DurationMs < want-f.slackMs || got.DurationMs > want+f.slackMs {
					t.Errorf("DurationMs = %d, want %d ± %d", got.DurationMs, want, f.slackMs)
				}
			})
		}
	}
}

func TestRead_Errors(t *testing.T) {
	flac := audiogen.FLAC(allTags(time.Second))
	garbage := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name, file string
		data       []byte // nil: a directory
		want       string
	}{
		{"Empty", "empty.mp3", []byte{}, "empty file"},
		{"WrongExtension", "song.txt", flac, "unsupported file extension"},
		{"NoExtension", "song", flac, "unsupported file extension"},
		{"Garbage", "noise.mp3", garbage, "not an audio file"},
		{"Text", "notes.flac", []byte(strings.Repeat("not music at all\n", 100)), "not an audio file"},
		{"PNG", "cover.m4a", cover, "not an audio file"},
		{"Tiny", "x.ogg", []byte("Og"), "not an audio file"},
		{"Directory", "album.flac", nil, "not a regular file"},
		{"BadFLAC", "bad.flac", append([]byte("fLaC\x80\x00\x00\x22"), make([]byte, 34)...), "sample rate 0"},
		{"UnknownOgg", "x.ogg", oggFile([][]byte{[]byte("fishead\x00"), []byte("fisbone")}, 0), "unsupported Ogg codec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			var err error
			if tt.data == nil {
				err = os.Mkdir(p, 0o755)
			} else {
				err = os.WriteFile(p, tt.data, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = Read(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("Read = %v, want an error naming %s and saying %q", err, p, tt.want)
			}
		})
	}
	t.Run("Missing", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "gone.flac")
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Read = %v, want an error naming %s", err, p)
		}
	})
}

func TestSupported(t *testing.T) {
	for name, want := range map[string]bool{
		"a.flac": true, "a.MP3": true, "dir/a.m4a": true, "a.m4b": true, "a.mp4": true, "a.ogg": true,
		"a.oga": true, "a.Opus": true, "a.wav": false, "a.txt": false, "flac": false, "a.flac.part": false,
	} {
		if got := Supported(name); got != want {
			t.Errorf("Supported(%q) = %v, want %v", name, got, want)
		}
	}
}
