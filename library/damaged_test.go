package library

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue/library/audiogen"
)

// TestReadFrom_EveryPrefix checks that each proper prefix of a file is an
// error: a truncated file is never read as a shorter track.
func TestReadFrom_EveryPrefix(t *testing.T) {
	for _, f := range formats {
		for _, tags := range []audiogen.Tags{allTags(time.Second), {Duration: time.Second}} {
			b := f.gen(tags)
			t.Run(f.name, func(t *testing.T) {
				for n := range len(b) {
					if m, err := ReadFrom(bytes.NewReader(b[:n]), int64(n)); err == nil {
						t.Fatalf("the first %d of %d bytes read without error: %+v", n, len(b), m)
					}
				}
			})
		}
	}
}

// TestReadFrom_TruncatedSaysSo checks the error of a file cut between two
// frames.
func TestReadFrom_TruncatedSaysSo(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			b := f.gen(audiogen.Tags{Duration: 3 * time.Second})
			_, err := ReadFrom(bytes.NewReader(b[:len(b)*2/3]), int64(len(b)*2/3))
			if err == nil || !strings.Contains(err.Error(), "truncated") {
				t.Errorf("ReadFrom = %v, want an error saying truncated", err)
			}
		})
	}
}

// TestReadFrom_SizeLies checks a size larger than the data: an error, not
// a panic.
func TestReadFrom_SizeLies(t *testing.T) {
	for _, f := range formats {
		b := f.gen(allTags(time.Second))
		if _, err := ReadFrom(bytes.NewReader(b), int64(len(b))+1000); err == nil {
			t.Errorf("%s: ReadFrom with a size past the data read without error", f.name)
		}
		if _, err := ReadFrom(bytes.NewReader(b), -1); err == nil {
			t.Errorf("%s: ReadFrom with size -1 read without error", f.name)
		}
	}
}

// TestReadFrom_BoundsAllocations feeds small files whose length fields claim
// gigabytes, and checks that reading them allocates little.
func TestReadFrom_BoundsAllocations(t *testing.T) {
	flac := audiogen.FLAC(allTags(time.Second))
	m4a := audiogen.M4A(allTags(time.Second))
	mp3 := audiogen.MP3(allTags(time.Second))
	patch := func(b []byte, at string, skip int, v ...byte) []byte {
		b = bytes.Clone(b)
		i := bytes.Index(b, []byte(at))
		if i < 0 {
			t.Fatalf("%q not found", at)
		}
		copy(b[i+skip:], v)
		return b
	}
	huge := []byte{0x7F, 0xFF, 0xFF, 0xF0}
	tests := map[string][]byte{
		"FLACBlockLength":    patch(flac, "fLaC", 5, 0xFF, 0xFF, 0xFF),
		"FLACVendorLength":   patch(flac, "segue audiogen", -4, 0xF0, 0xFF, 0xFF, 0x7F),
		"FLACCommentCount":   patch(flac, "segue audiogen", len("segue audiogen"), 0xF0, 0xFF, 0xFF, 0x7F),
		"FLACPictureData":    patch(flac, "image/png", len("image/png")+20, huge...),
		"FLACPictureMIME":    patch(flac, "image/png", -4, huge...),
		"OpusVendorLength":   opusFile([]byte("OpusTags\xF0\xFF\xFF\x7Fx")),
		"OpusCommentCount":   opusFile([]byte("OpusTags\x00\x00\x00\x00\xF0\xFF\xFF\x7F")),
		"MP4BoxSize":         patch(m4a, "moov", -4, 0xFF, 0xFF, 0xFF, 0xF0),
		"MP4LargeSize":       patch(m4a, "mdat", -4, 0, 0, 0, 1),
		"MP4ItemSize":        patch(m4a, "\xa9nam", -4, huge...),
		"MP4DataSize":        patch(m4a, "covr", 4, huge...),
		"ID3TagSize":         patch(mp3, "ID3", 6, 0x7F, 0x7F, 0x7F, 0x7F),
		"ID3FrameSize":       patch(mp3, "TIT2", 4, 0x07, 0x7F, 0x7F, 0x7F),
		"ID3PictureSize":     patch(mp3, "APIC", 4, 0x07, 0x7F, 0x7F, 0x7F),
		"MP3XingFrames":      patch(mp3, "Info", 8, 0xFF, 0xFF, 0xFF, 0xFF),
		"MP4LargeSizeHuge":   mp4LargeMdat(m4a, 1<<62),
		"OpusPictureDataLen": opusPictureLength(t, 0x7FFFFFF0),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("reading %d bytes allocated %d bytes", len(b), alloc)
			}
			if err == nil && name != "MP3XingFrames" { // an implausible frame count is ignored
				t.Errorf("ReadFrom read without error")
			}
		})
	}
}

// mp4LargeMdat replaces the mdat at the end of an M4A file by one with a
// 64-bit size, and moves the chunk offset to match.
func mp4LargeMdat(m4a []byte, size uint64) []byte {
	i := bytes.LastIndex(m4a, []byte("mdat")) - 4
	b := append(bytes.Clone(m4a[:i]), 0, 0, 0, 1, 'm', 'd', 'a', 't')
	b = binary.BigEndian.AppendUint64(b, size)
	b = append(b, m4a[i+8:]...)
	stco := bytes.Index(b, []byte("stco")) + 12
	binary.BigEndian.PutUint32(b[stco:], binary.BigEndian.Uint32(b[stco:])+8)
	return b
}

// opusPictureLength returns an Ogg Opus file whose cover's data length
// field claims n bytes.
func opusPictureLength(t *testing.T, n uint32) []byte {
	block := pictureBlockBytes(3, cover)
	binary.BigEndian.PutUint32(block[len(block)-len(cover)-4:], n)
	return opusWithComments(t, "METADATA_BLOCK_PICTURE="+b64(block))
}

// FuzzReadFrom checks that no input makes ReadFrom panic, and that what it
// accepts is described sensibly. The seeds are generated files.
func FuzzReadFrom(f *testing.F) {
	for _, fm := range formats {
		f.Add(fm.gen(allTags(100 * time.Millisecond)))
		f.Add(fm.gen(audiogen.Tags{Duration: 50 * time.Millisecond}))
	}
	f.Add(vorbisFile(nil, 44100, 22050))
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x00fLaC"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if m.Format == "" || m.ContentType == "" || m.DurationMs < 0 {
			t.Errorf("ReadFrom accepted %d bytes as %+v", len(b), m)
		}
		if m.Cover != nil && (len(m.Cover.Data) == 0 || len(m.Cover.Data) > len(b)) {
			t.Errorf("cover of %d bytes from %d", len(m.Cover.Data), len(b))
		}
	})
}
