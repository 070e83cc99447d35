package library

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"testing"
	"time"

	"github.com/segue/segue/library/audiogen"
)

// mpegStream is n frames of length bytes after the 4-byte header h.
func mpegStream(h []byte, length, n int) []byte {
	f := make([]byte, length)
	copy(f, h)
	return bytes.Repeat(f, n)
}

func TestRead_MPEGVersions(t *testing.T) {
	tests := []struct {
		name   string
		header []byte
		length int // bytes per frame, worked out by hand
		frames int
		wantMs int64
	}{
		// MPEG-1, 128 kbit/s, 44.1 kHz, stereo: 144 * 128000 / 44100 = 417
		{"MPEG1", []byte{0xFF, 0xFB, 0x90, 0x00}, 417, 40, 40 * 1152 * 1000 / 44100},
		// the same with padding bits: 418 bytes
		{"MPEG1Padded", []byte{0xFF, 0xFB, 0x92, 0x00}, 418, 40, 40 * 1152 * 1000 / 44100},
		// MPEG-2, 64 kbit/s, 22.05 kHz, stereo: 72 * 64000 / 22050 = 208
		{"MPEG2", []byte{0xFF, 0xF3, 0x80, 0x00}, 208, 50, 1306},
		// MPEG-2.5, 8 kbit/s, 8 kHz, mono: 72 * 8000 / 8000 = 72
		{"MPEG2.5", []byte{0xFF, 0xE3, 0x18, 0xC0}, 72, 20, 1440},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mpegStream(tt.header, tt.length, tt.frames)
			got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, got, Meta{Format: "MP3", ContentType: "audio/mpeg", DurationMs: tt.wantMs}, 1)
			// One byte short: the last frame is cut.
			if _, err := ReadFrom(bytes.NewReader(b[:len(b)-1]), int64(len(b)-1)); err == nil {
				t.Error("a stream with a partial last frame read without error")
			}
		})
	}
	t.Run("LayerII", func(t *testing.T) {
		b := mpegStream([]byte{0xFF, 0xFD, 0x90, 0x00}, 417, 10)
		if _, err := ReadFrom(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Error("MPEG Layer II read as MP3")
		}
	})
}

// withoutInfo removes the Info frame that audiogen writes first.
func withoutInfo(t *testing.T, mp3 []byte) []byte {
	t.Helper()
	i := bytes.Index(mp3, []byte("Info")) - 4 - 17 // header, side information
	if i < 0 || mp3[i] != 0xFF {
		t.Fatal("no Info frame")
	}
	return append(bytes.Clone(mp3[:i]), mp3[i+96:]...)
}

func TestRead_MP3WithoutXing(t *testing.T) {
	withInfo := audiogen.MP3(allTags(1500 * time.Millisecond))
	want, err := ReadFrom(bytes.NewReader(withInfo), int64(len(withInfo)))
	if err != nil {
		t.Fatal(err)
	}
	b := withoutInfo(t, withInfo)
	got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, got, want, 0)

	// Without a Xing header, a cut between frames is a shorter stream.
	got, err = ReadFrom(bytes.NewReader(b[:len(b)-96]), int64(len(b)-96))
	if err != nil || got.DurationMs != want.DurationMs-24 {
		t.Errorf("one frame less: %d ms, %v; want %d ms", got.DurationMs, err, want.DurationMs-24)
	}
	// Bytes that are not frames end the stream.
	junk := append(bytes.Clone(b), bytes.Repeat([]byte("junk"), 100)...)
	if got, err = ReadFrom(bytes.NewReader(junk), int64(len(junk))); err != nil || got.DurationMs != want.DurationMs {
		t.Errorf("with trailing junk: %d ms, %v; want %d ms", got.DurationMs, err, want.DurationMs)
	}
}

// id3v1 is an ID3v1.1 tag.
func id3v1(title, artist, album, year string, track, genre byte) []byte {
	b := []byte("TAG")
	for _, f := range []struct {
		s string
		n int
	}{{title, 30}, {artist, 30}, {album, 30}, {year, 4}, {"a comment", 28}} {
		b = append(b, f.s...)
		b = append(b, make([]byte, f.n-len(f.s))...)
	}
	return append(b, 0, track, genre)
}

func TestRead_ID3v1(t *testing.T) {
	for _, info := range []bool{true, false} {
		b := audiogen.MP3(audiogen.Tags{Duration: time.Second})
		if !info {
			b = withoutInfo(t, b)
		}
		b = append(b, id3v1("Old Title", "Old Artist", "Old Album", "1999", 7, 17)...)
		got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		checkMeta(t, got, Meta{Format: "MP3", ContentType: "audio/mpeg", Title: "Old Title", Artist: "Old Artist",
			Album: "Old Album", Genre: "Rock", Year: 1999, TrackNumber: 7, DurationMs: 1008}, 0)
	}
}

// id3v23 is an ID3v2.3 tag of the frames, given as id, body, id, body...
func id3v23(frames ...string) []byte {
	var body []byte
	for i := 0; i < len(frames); i += 2 {
		body = append(body, frames[i]...)
		body = binary.BigEndian.AppendUint32(body, uint32(len(frames[i+1])))
		body = append(body, 0, 0)
		body = append(body, frames[i+1]...)
	}
	body = append(body, make([]byte, 64)...) // padding
	n := len(body)
	return append([]byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}, body...)
}

func TestRead_ID3v23(t *testing.T) {
	back := audiogen.PNG(color.Black)
	apic := func(typ byte, img []byte) string { return "\x00image/png\x00" + string(typ) + "\x00" + string(img) }
	tag := id3v23("TIT2", "\x00Latin-1 caf\xe9", "TPE1", "\x01\xff\xfeU\x00T\x00F\x00-\x001\x006\x00",
		"TYER", "\x001984", "TRCK", "\x005/9", "TPOS", "\x001/1", "TCON", "\x00(13)", "TSRC", "\x00USRC17607839",
		"APIC", apic(4, back), "APIC", apic(3, cover), "APIC", apic(0, back))
	b := append(tag, audiogen.MP3(audiogen.Tags{Duration: time.Second})...)
	got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, got, Meta{Format: "MP3", ContentType: "audio/mpeg", Title: "Latin-1 café", Artist: "UTF-16",
		Genre: "Pop", Year: 1984, TrackNumber: 5, DiscNumber: 1, ISRC: "USRC17607839", DurationMs: 1008,
		Cover: &Picture{MIMEType: "image/png", Data: cover}}, 0)
}

func TestRead_ID3v24Footer(t *testing.T) {
	b := audiogen.MP3(allTags(time.Second))
	want, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	end := 10 + int(syncsafe(b[6:10]))
	footer := append([]byte("3DI"), b[3:10]...)
	b = append(append(bytes.Clone(b[:end]), footer...), b[end:]...)
	b[5] |= 0x10
	got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, got, want, 0)
}
