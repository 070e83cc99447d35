// Package library reads the music a user brings: the tags and duration of
// FLAC, MP3, Ogg/Opus and M4A files, and the scan of a folder of them.
//
// Tags are parsed by github.com/dhowden/tag. This package reads the
// containers itself: it finds each format's duration in the stream (not in
// the tags), checks that the file is whole (a truncated file is an error,
// not a shorter track), and bounds every allocation by the file's size and
// a few fixed caps, so arbitrary bytes give an error, never a panic or a
// huge buffer.
package library

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Meta is what Segue reads of one audio file.
type Meta struct {
	Format      string   // "FLAC", "MP3", "OPUS", "VORBIS" (Ogg Vorbis), "AAC" or "ALAC" (both in MP4)
	ContentType string   // "audio/flac", "audio/mpeg", "audio/ogg" or "audio/mp4"
	Title       string   // trimmed; empty when untagged
	Artist      string   // trimmed; empty when untagged
	AlbumArtist string   // trimmed; empty when untagged
	Album       string   // trimmed; empty when untagged
	Genre       string   // trimmed; empty when untagged
	Year        int      // 0 when untagged
	TrackNumber int      // 0 when untagged
	DiscNumber  int      // 0 when untagged
	ISRC        string   // upper-cased and trimmed; "" when untagged or not ISO 3901's shape (e.g. USRC17607839)
	DurationMs  int64    // from the stream itself (not tags), rounded to the millisecond
	Cover       *Picture // the front cover (or the first picture); nil when none
}

// Picture is an image embedded in an audio file: the front cover when the
// file marks one, else the first picture.
type Picture struct {
	MIMEType string // "image/png", "image/jpeg", ...; "" when neither the file nor the bytes say
	Data     []byte
}

// MaxCoverBytes is the size of the largest cover Read returns; a larger
// picture is left out (Meta.Cover is nil) rather than loaded.
const MaxCoverBytes = 16 << 20

// extensions are the file name extensions Read accepts.
var extensions = []string{".flac", ".mp3", ".m4a", ".m4b", ".mp4", ".ogg", ".oga", ".opus"}

// Supported reports whether name ends in an extension Read accepts, in any
// letter case: .flac, .mp3, .m4a, .m4b, .mp4, .ogg, .oga or .opus.
func Supported(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range extensions {
		if ext == e {
			return true
		}
	}
	return false
}

// Read reads the tags and duration of the audio file at path, which must
// have an extension that Supported accepts. The format is told from the
// bytes, not the extension. Errors name the path and say what is wrong.
func Read(path string) (Meta, error) {
	if !Supported(path) {
		return Meta{}, fmt.Errorf("library: %s: unsupported file extension %q (want one of %s)",
			path, filepath.Ext(path), strings.Join(extensions, " "))
	}
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, fmt.Errorf("library: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Meta{}, fmt.Errorf("library: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Meta{}, fmt.Errorf("library: %s: not a regular file", path)
	}
	m, err := readFrom(f, fi.Size())
	if err != nil {
		return Meta{}, fmt.Errorf("library: %s: %w", path, err)
	}
	return m, nil
}

// ReadFrom reads the tags and duration of the size bytes of audio in r,
// which start at offset 0. It is Read without the file.
func ReadFrom(r io.ReadSeeker, size int64) (Meta, error) {
	ra, ok := r.(io.ReaderAt)
	if !ok {
		ra = seekReaderAt{r}
	}
	m, err := readFrom(ra, size)
	if err != nil {
		return Meta{}, fmt.Errorf("library: %w", err)
	}
	return m, nil
}

// readFrom tells the format from the first bytes and reads the file.
func readFrom(r io.ReaderAt, size int64) (Meta, error) {
	switch {
	case size < 0:
		return Meta{}, fmt.Errorf("invalid size %d", size)
	case size == 0:
		return Meta{}, errors.New("empty file")
	}
	src := &source{r: r, size: size}
	head, err := src.head(0, 12)
	if err != nil {
		return Meta{}, err
	}
	var id3 *id3Tag
	if strings.HasPrefix(string(head), "ID3") {
		t, err := readID3v2Header(src)
		if err != nil {
			return Meta{}, err
		}
		id3 = &t
		if head, err = src.head(t.end, 4); err != nil {
			return Meta{}, err
		}
		if string(head) == "fLaC" { // an ID3v2 tag before FLAC: its tags are ignored
			return readFLAC(src, t.end)
		}
		return readMP3(src, id3)
	}
	switch {
	case strings.HasPrefix(string(head), "fLaC"):
		return readFLAC(src, 0)
	case strings.HasPrefix(string(head), "OggS"):
		return readOgg(src)
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return readMP4(src)
	}
	return readMP3(src, nil)
}

// errTruncated says that what the file announces runs past its end.
var errTruncated = errors.New("runs past the end of the file (truncated?)")

// source is the file being read: every read is checked against its size
// first, so a length field can never make Read allocate more than the file
// holds.
type source struct {
	r    io.ReaderAt
	size int64
}

// read returns the n bytes at off, or errTruncated if they are not all in
// the file.
func (s *source) read(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > s.size || n > s.size-off {
		return nil, errTruncated
	}
	b := make([]byte, n)
	got, err := s.r.ReadAt(b, off)
	if got == len(b) {
		return b, nil
	}
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, errTruncated
	}
	return nil, err
}

// head returns up to n bytes at off: fewer near the end of the file.
func (s *source) head(off, n int64) ([]byte, error) {
	if off >= s.size {
		return nil, nil
	}
	return s.read(off, min(n, s.size-off))
}

// section is the part of the file from off to end as an io.ReadSeeker.
func (s *source) section(off, end int64) *io.SectionReader {
	return io.NewSectionReader(s.r, off, end-off)
}

// seekReaderAt reads at an offset by seeking; Read uses it for a reader
// that is not an io.ReaderAt.
type seekReaderAt struct{ r io.ReadSeeker }

func (s seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}
