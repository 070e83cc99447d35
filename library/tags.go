package library

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dhowden/tag"
)

// rawKeys names, for one tag format, the raw fields (tag.Metadata.Raw)
// that dhowden/tag does not map, or maps too narrowly.
type rawKeys struct {
	year  []string // a date whose first four digits are the year
	isrc  []string
	track []string // "3" or "3/12"
	disc  []string
}

var (
	vorbisKeys = rawKeys{year: []string{"date", "year"}, isrc: []string{"isrc"},
		track: []string{"tracknumber"}, disc: []string{"discnumber"}}
	id3v2Keys = rawKeys{year: []string{"TDRC", "TYER", "TYE"}, isrc: []string{"TSRC", "TRC"}}
	id3v1Keys = rawKeys{year: []string{"year"}}
	mp4Keys   = rawKeys{year: []string{"\xa9day"}, isrc: []string{"ISRC"}}
)

// readTags runs one of dhowden/tag's readers, copies what it found into m
// and returns it for the caller to take the cover from. A panic in the tag library (it asserts types on malformed files)
// becomes an error.
func readTags(m *Meta, keys rawKeys, read func() (tag.Metadata, error)) (md tag.Metadata, err error) {
	defer func() {
		if r := recover(); r != nil {
			md, err = nil, fmt.Errorf("malformed tags (%v)", r)
		}
	}()
	if md, err = read(); err != nil {
		return nil, fmt.Errorf("reading tags: %w", err)
	}
	raw := md.Raw()
	m.Title = clean(md.Title())
	m.Artist = clean(md.Artist())
	m.AlbumArtist = clean(md.AlbumArtist())
	m.Album = clean(md.Album())
	m.Genre = clean(md.Genre())
	m.Year = leadingInt(rawString(raw, keys.year), 4)
	if m.Year == 0 {
		m.Year = md.Year()
	}
	m.TrackNumber, _ = md.Track()
	if n := leadingInt(rawString(raw, keys.track), 0); n > 0 {
		m.TrackNumber = n
	}
	m.DiscNumber, _ = md.Disc()
	if n := leadingInt(rawString(raw, keys.disc), 0); n > 0 {
		m.DiscNumber = n
	}
	m.TrackNumber, m.DiscNumber = max(m.TrackNumber, 0), max(m.DiscNumber, 0)
	m.ISRC = isrc(rawString(raw, keys.isrc))
	return md, nil
}

// id3Cover picks the front cover among an ID3v2 tag's APIC frames (named
// APIC, APIC_0, APIC_1... by dhowden/tag), else the first picture.
func id3Cover(md tag.Metadata) *Picture {
	raw := md.Raw()
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { // APIC before APIC_0 before APIC_1 ...
		if len(names[i]) != len(names[j]) {
			return len(names[i]) < len(names[j])
		}
		return names[i] < names[j]
	})
	var first *tag.Picture
	for _, k := range names {
		p, ok := raw[k].(*tag.Picture)
		if !ok || p == nil {
			continue
		}
		if p.Type == "Cover (front)" {
			return picture(p.MIMEType, p.Data)
		}
		if first == nil {
			first = p
		}
	}
	if first == nil {
		return nil
	}
	return picture(first.MIMEType, first.Data)
}

// picture returns the image, or nil when it is empty or larger than
// MaxCoverBytes. The MIME type comes from the bytes when they are a known
// image format, else from the file's word for it.
func picture(mime string, data []byte) *Picture {
	if len(data) == 0 || len(data) > MaxCoverBytes {
		return nil
	}
	if sniffed := sniffImage(data); sniffed != "" {
		mime = sniffed
	}
	mime = strings.ToLower(clean(mime))
	if mime == "image/jpg" {
		mime = "image/jpeg"
	}
	return &Picture{MIMEType: mime, Data: data}
}

func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "image/gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	case bytes.HasPrefix(b, []byte("BM")):
		return "image/bmp"
	}
	return ""
}

// rawString is the first of keys that raw holds as a string.
func rawString(raw map[string]interface{}, keys []string) string {
	for _, k := range keys {
		if s, ok := raw[k].(string); ok && clean(s) != "" {
			return clean(s)
		}
	}
	return ""
}

// leadingInt parses the digits s starts with ("3/12" gives 3, "2019-05-01"
// gives 2019); with width > 0 it wants exactly that many digits. It returns
// 0 when there are none, or too many to be a track number or a year.
func leadingInt(s string, width int) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 || (width > 0 && i != width) {
		return 0
	}
	n, _ := strconv.Atoi(s[:i])
	return n
}

// isrcShape is ISO 3901's: country, registrant, year and designation code.
var isrcShape = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$`)

// isrc upper-cases s, or returns "" when it is not a well-formed ISRC.
func isrc(s string) string {
	s = strings.ToUpper(clean(s))
	if !isrcShape.MatchString(s) {
		return ""
	}
	return s
}

// clean makes a tag value fit to store: NULs removed, bytes that are not
// UTF-8 read as Latin-1 (as ID3v1 and some taggers write them), and
// surrounding space trimmed.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if !utf8.ValidString(s) {
		r := make([]rune, 0, len(s))
		for i := 0; i < len(s); i++ {
			r = append(r, rune(s[i]))
		}
		s = string(r)
	}
	return strings.TrimSpace(s)
}
