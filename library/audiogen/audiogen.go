// Package audiogen generates small, valid, tagged audio files (FLAC, MP3,
// Ogg Opus and M4A) for tests and the demo, without external tools. The
// streams are silence of a real, exact length: a player could play them.
package audiogen

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Tags is what a generated file is tagged with. Empty strings and zero
// numbers are left out, so Tags{Duration: d} makes an untagged file.
type Tags struct {
	Title, Artist, AlbumArtist, Album, Genre string
	Year, Track, Disc                        int
	ISRC                                     string
	Duration                                 time.Duration // the stream's real length; 0 or less means one second
	Cover                                    []byte        // a PNG (or JPEG) image; nil for none
}

// vendor names this package in the files' encoder fields.
const vendor = "segue audiogen"

// PNG returns a tiny (4×4) image of one colour, encoded as PNG.
func PNG(c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for y := range 4 {
		for x := range 4 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory image into a buffer cannot fail
	}
	return b.Bytes()
}

// WriteSample writes a small demo library under dir: two albums by
// different artists with a track in each format, a few seconds each, with
// track and disc numbers, genre, year, ISRCs on some tracks and a PNG cover
// on the first album. It returns the paths of the files written.
func WriteSample(dir string) ([]string, error) {
	cover := PNG(color.RGBA{R: 0x1e, G: 0x88, B: 0x7a, A: 0xff})
	a := Tags{Artist: "The Placeholders", AlbumArtist: "The Placeholders", Album: "Segue Sessions",
		Genre: "Electronic", Year: 2021, Disc: 1, Cover: cover}
	b := Tags{Artist: "Mira Okafor", AlbumArtist: "Mira Okafor", Album: "Quiet Hours",
		Genre: "Ambient", Year: 2019}
	files := []struct {
		dir, name string
		gen       func(Tags) []byte
		tags      Tags
	}{
		{"The Placeholders/Segue Sessions", "01 Opening Night.flac", FLAC,
			with(a, "Opening Night", 1, 0, "ZZSEG2100001", 3*time.Second)},
		{"The Placeholders/Segue Sessions", "02 Side Street.mp3", MP3,
			with(a, "Side Street", 2, 0, "ZZSEG2100002", 2500*time.Millisecond)},
		{"The Placeholders/Segue Sessions", "03 Last Call.opus", Opus,
			with(a, "Last Call", 3, 0, "", 2*time.Second)},
		{"Mira Okafor/Quiet Hours", "1-01 Morning Light.m4a", M4A,
			with(b, "Morning Light", 1, 1, "ZZSEG1900001", 3*time.Second)},
		{"Mira Okafor/Quiet Hours", "2-01 Night Bus.mp3", MP3,
			with(b, "Night Bus", 1, 2, "", 2*time.Second)},
	}
	var paths []string
	for _, f := range files {
		d := filepath.Join(dir, filepath.FromSlash(f.dir))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return paths, err
		}
		p := filepath.Join(d, f.name)
		if err := os.WriteFile(p, f.gen(f.tags), 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// with returns album's tags for one of its tracks; disc 0 keeps album's.
func with(album Tags, title string, track, disc int, isrc string, d time.Duration) Tags {
	t := album
	t.Title, t.Track, t.ISRC, t.Duration = title, track, isrc, d
	if disc != 0 {
		t.Disc = disc
	}
	return t
}

// samples is the stream's length at rate Hz, rounded, and at least 1.
func (t Tags) samples(rate int) int {
	d := t.Duration
	if d <= 0 {
		d = time.Second
	}
	s := d/time.Second*time.Duration(rate) + (d%time.Second*time.Duration(rate)+time.Second/2)/time.Second
	return max(int(s), 1)
}

// comments are the Vorbis comments for t (also FLAC's), in a fixed order.
func (t Tags) comments() []string {
	var c []string
	add := func(k, v string) {
		if v != "" {
			c = append(c, k+"="+v)
		}
	}
	add("TITLE", t.Title)
	add("ARTIST", t.Artist)
	add("ALBUMARTIST", t.AlbumArtist)
	add("ALBUM", t.Album)
	add("GENRE", t.Genre)
	add("DATE", num(t.Year))
	add("TRACKNUMBER", num(t.Track))
	add("DISCNUMBER", num(t.Disc))
	add("ISRC", t.ISRC)
	return c
}

// num formats a positive number, and 0 or less as "" (left out).
func num(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// vorbisComment encodes a Vorbis comment block: vendor string and comments,
// lengths little-endian.
func vorbisComment(comments []string) []byte {
	var b bytes.Buffer
	le32(&b, uint32(len(vendor)))
	b.WriteString(vendor)
	le32(&b, uint32(len(comments)))
	for _, c := range comments {
		le32(&b, uint32(len(c)))
		b.WriteString(c)
	}
	return b.Bytes()
}

// pictureBlock encodes a FLAC PICTURE block (also the content of an Ogg
// METADATA_BLOCK_PICTURE comment) holding img as the front cover.
func pictureBlock(img []byte) []byte {
	var w, h int
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); err == nil {
		w, h = cfg.Width, cfg.Height
	}
	var b bytes.Buffer
	mime := imageMIME(img)
	for _, v := range []uint32{3, uint32(len(mime))} { // front cover
		be32(&b, v)
	}
	b.WriteString(mime)
	for _, v := range []uint32{0, uint32(w), uint32(h), 24, 0, uint32(len(img))} { // description, size, depth, colours
		be32(&b, v)
	}
	b.Write(img)
	return b.Bytes()
}

// imageMIME is the image's type: JPEG when it starts like one, else PNG.
func imageMIME(img []byte) string {
	if bytes.HasPrefix(img, []byte{0xFF, 0xD8, 0xFF}) {
		return "image/jpeg"
	}
	return "image/png"
}

func le32(b *bytes.Buffer, v uint32) { b.Write(binary.LittleEndian.AppendUint32(nil, v)) }
func be32(b *bytes.Buffer, v uint32) { b.Write(binary.BigEndian.AppendUint32(nil, v)) }
func be16(b *bytes.Buffer, v uint16) { b.Write(binary.BigEndian.AppendUint16(nil, v)) }
