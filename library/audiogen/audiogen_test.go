package audiogen_test

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue/library"
	"github.com/segue/segue/library/audiogen"
)

var generators = map[string]func(audiogen.Tags) []byte{
	"flac": audiogen.FLAC, "mp3": audiogen.MP3, "opus": audiogen.Opus, "m4a": audiogen.M4A,
}

func tagged(d time.Duration) audiogen.Tags {
	return audiogen.Tags{Title: "Title", Artist: "Artist", AlbumArtist: "Album Artist", Album: "Album",
		Genre: "Genre", Year: 2024, Track: 5, Disc: 1, ISRC: "USRC17607839", Duration: d,
		Cover: audiogen.PNG(color.White)}
}

func TestPNG(t *testing.T) {
	c := color.RGBA{R: 10, G: 20, B: 30, A: 255}
	img, err := png.Decode(bytes.NewReader(audiogen.PNG(c)))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 4 || b.Dy() != 4 {
		t.Errorf("size %v, want 4×4", b)
	}
	if r, g, b, a := img.At(3, 3).RGBA(); r>>8 != 10 || g>>8 != 20 || b>>8 != 30 || a>>8 != 255 {
		t.Errorf("colour %d %d %d %d, want 10 20 30 255", r>>8, g>>8, b>>8, a>>8)
	}
}

func TestGenerators_Deterministic(t *testing.T) {
	for name, gen := range generators {
		if !bytes.Equal(gen(tagged(time.Second)), gen(tagged(time.Second))) {
			t.Errorf("%s: two calls with the same tags differ", name)
		}
	}
}

func TestGenerators_DefaultDuration(t *testing.T) {
	for name, gen := range generators {
		for _, d := range []time.Duration{0, -time.Minute} {
			b := gen(audiogen.Tags{Duration: d})
			m, err := library.ReadFrom(bytes.NewReader(b), int64(len(b)))
			if err != nil || m.DurationMs < 988 || m.DurationMs > 1012 {
				t.Errorf("%s, Duration %v: %d ms, %v; want one second", name, d, m.DurationMs, err)
			}
		}
	}
}

func TestWriteSample(t *testing.T) {
	dir := t.TempDir()
	paths, err := audiogen.WriteSample(dir)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	formats := map[string]bool{}
	albums := map[string]string{} // album → artist
	var covers, isrcs int
	for _, p := range paths {
		if !strings.HasPrefix(p, dir) {
			t.Errorf("%s is not under %s", p, dir)
		}
		m, err := library.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if titles[m.Title] {
			t.Errorf("title %q twice", m.Title)
		}
		titles[m.Title] = true
		formats[m.Format] = true
		albums[m.Album] = m.Artist
		if m.Title == "" || m.Artist == "" || m.Album == "" || m.Genre == "" || m.Year == 0 ||
			m.TrackNumber == 0 || m.DiscNumber == 0 || m.DurationMs < 1950 || m.DurationMs > 3050 {
			t.Errorf("%s: incomplete %+v", filepath.Base(p), m)
		}
		if m.Cover != nil {
			covers++
		}
		if m.ISRC != "" {
			isrcs++
		}
	}
	for _, f := range []string{"FLAC", "MP3", "OPUS", "AAC"} {
		if !formats[f] {
			t.Errorf("no %s file", f)
		}
	}
	artists := map[string]bool{}
	for _, a := range albums {
		artists[a] = true
	}
	if len(albums) != 2 || len(artists) != 2 {
		t.Errorf("albums %v, want two by different artists", albums)
	}
	if covers == 0 || covers == len(paths) || isrcs == 0 || isrcs == len(paths) {
		t.Errorf("%d of %d files with a cover, %d with an ISRC; want some", covers, len(paths), isrcs)
	}
}

// TestFFprobe checks the files with FFmpeg when it is installed: it must
// decode them without a complaint, to the length and tags written.
func TestFFprobe(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed")
	}
	for name, gen := range generators {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "t."+name)
			if err := os.WriteFile(p, gen(tagged(2300*time.Millisecond)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
				"stream=codec_name,duration:stream_tags=title,artist:format_tags=title,artist",
				"-of", "default=noprint_wrappers=1", p).CombinedOutput()
			if err != nil {
				t.Fatalf("ffprobe: %v\n%s", err, out)
			}
			info := string(out)
			if !strings.Contains(strings.ToLower(info), "title=title") || !strings.Contains(strings.ToLower(info), "artist=artist") {
				t.Errorf("ffprobe does not see the tags:\n%s", info)
			}
			// Decode: no errors, and the length in samples.
			pcm, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", p, "-map", "0:a",
				"-f", "s16le", "-ac", "1", "-ar", "48000", "-").Output()
			if err != nil {
				t.Fatalf("ffmpeg cannot decode it: %v", err)
			}
			ms := len(pcm) / 2 / 48
			if ms < 2290 || ms > 2330 {
				t.Errorf("ffmpeg decodes %d ms, want 2300 (±30)", ms)
			}
			if bytes.Count(pcm, []byte{0}) != len(pcm) {
				t.Errorf("the decoded audio is not silence")
			}
			t.Logf("%s; decoded %d ms", strings.ReplaceAll(strings.TrimSpace(info), "\n", ", "), ms)
		})
	}
}
