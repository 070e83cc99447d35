package library

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"testing"
	"time"

	"github.com/segue/segue/library/audiogen"
)

// flacBlock is one metadata block of a FLAC file.
type flacBlock struct {
	typ  byte
	body []byte
}

// splitFLAC returns a FLAC file's metadata blocks and its audio frames.
func splitFLAC(t *testing.T, b []byte) ([]flacBlock, []byte) {
	t.Helper()
	var blocks []flacBlock
	for off := 4; ; {
		h := b[off]
		n := int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
		blocks = append(blocks, flacBlock{h & 0x7F, b[off+4 : off+4+n]})
		off += 4 + n
		if h&0x80 != 0 {
			return blocks, b[off:]
		}
	}
}

// joinFLAC is the inverse of splitFLAC.
func joinFLAC(blocks []flacBlock, audio []byte) []byte {
	b := []byte("fLaC")
	for i, bl := range blocks {
		h := bl.typ
		if i == len(blocks)-1 {
			h |= 0x80
		}
		b = append(b, h, byte(len(bl.body)>>16), byte(len(bl.body)>>8), byte(len(bl.body)))
		b = append(b, bl.body...)
	}
	return append(b, audio...)
}

func TestRead_FLACVariants(t *testing.T) {
	orig := audiogen.FLAC(allTags(2 * time.Second))
	want, err := ReadFrom(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	blocks, audio := splitFLAC(t, orig)
	unknownTotal := bytes.Clone(orig)
	unknownTotal[8+13] &= 0xF0 // STREAMINFO's 36-bit sample count: 0, unknown
	clear(unknownTotal[8+14 : 8+18])

	back := audiogen.PNG(color.Black)
	backBlock := pictureBlockBytes(4, back)
	firstBack := joinFLAC([]flacBlock{blocks[0], blocks[1], {6, backBlock}, blocks[2], {1, make([]byte, 100)}}, audio)
	onlyBack := joinFLAC([]flacBlock{blocks[0], blocks[1], {6, backBlock}}, audio)
	wantBack := want
	wantBack.Cover = &Picture{MIMEType: "image/png", Data: back}

	for name, tt := range map[string]struct {
		data []byte
		want Meta
	}{
		"ID3v2Before":     {append([]byte("ID3\x03\x00\x00\x00\x00\x00\x10"+string(make([]byte, 16))), orig...), want},
		"ID3v1After":      {append(bytes.Clone(orig), id3v1("x", "y", "z", "2000", 1, 1)...), want},
		"UnknownTotal":    {unknownTotal, want},
		"FrontCoverFirst": {firstBack, want},
		"OnlyBackCover":   {onlyBack, wantBack},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadFrom(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, got, tt.want, 0)
		})
	}
}

func TestRead_MP4Variants(t *testing.T) {
	orig := audiogen.M4A(allTags(2 * time.Second))
	want, err := ReadFrom(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	alac := bytes.Replace(bytes.Clone(orig), []byte("mp4a"), []byte("alac"), 1)
	wantALAC := want
	wantALAC.Format = "ALAC"
	toEOF := bytes.Clone(orig)
	clear(toEOF[bytes.LastIndex(toEOF, []byte("mdat"))-4:][:4]) // size 0: the mdat runs to the end

	// moov after mdat, the chunk offset moved to match
	ftypEnd := int(binary.BigEndian.Uint32(orig))
	mdatAt := bytes.LastIndex(orig, []byte("mdat")) - 4
	moov, mdat := orig[ftypEnd:mdatAt], orig[mdatAt:]
	moovLast := append(append(bytes.Clone(orig[:ftypEnd]), mdat...), moov...)
	stco := bytes.Index(moovLast, []byte("stco")) + 12
	binary.BigEndian.PutUint32(moovLast[stco:], uint32(ftypEnd+8))

	for name, tt := range map[string]struct {
		data []byte
		want Meta
	}{
		"ALAC":       {alac, wantALAC},
		"LargeMdat":  {mp4LargeMdat(orig, uint64(len(orig)-mdatAt+8)), want},
		"MdatToEOF":  {toEOF, want},
		"MoovLast":   {moovLast, want},
		"FreeAtomUp": {append(bytes.Clone(orig), 0, 0, 0, 8, 'f', 'r', 'e', 'e'), want},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadFrom(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, got, tt.want, 0)
		})
	}

	for name, tt := range map[string][]byte{
		"NoMoov":      orig[:ftypEnd],
		"Encrypted":   bytes.Replace(bytes.Clone(orig), []byte("mp4a"), []byte("enca"), 1),
		"OtherCodec":  bytes.Replace(bytes.Clone(orig), []byte("mp4a"), []byte("ac-3"), 1),
		"NoSound":     bytes.Replace(bytes.Clone(orig), []byte("soun"), []byte("vide"), 1),
		"ZeroBoxSize": append(bytes.Clone(orig), 0, 0, 0, 2, 'f', 'r', 'e', 'e'),
		"Trailing":    append(bytes.Clone(orig), 1, 2, 3),
	} {
		t.Run(name, func(t *testing.T) {
			if m, err := ReadFrom(bytes.NewReader(tt), int64(len(tt))); err == nil {
				t.Errorf("read without error: %+v", m)
			}
		})
	}
}

func TestMP4Header(t *testing.T) {
	v1 := []byte{1, 0, 0, 0}
	v1 = append(v1, make([]byte, 16)...) // creation and modification times
	v1 = binary.BigEndian.AppendUint32(v1, 48000)
	v1 = binary.BigEndian.AppendUint64(v1, 48000*3600*30) // 30 hours
	v0 := append([]byte{0, 0, 0, 0}, make([]byte, 8)...)
	v0 = binary.BigEndian.AppendUint32(v0, 600)
	v0 = binary.BigEndian.AppendUint32(v0, 0xFFFFFFFF) // unknown
	for _, tt := range []struct {
		body       []byte
		scale, dur uint64
	}{{v1, 48000, 48000 * 3600 * 30}, {v0, 600, 0}} {
		src := &source{r: bytes.NewReader(tt.body), size: int64(len(tt.body))}
		scale, dur, err := mp4Header(src, mp4Box{typ: "mvhd", body: 0, end: int64(len(tt.body))})
		if err != nil || scale != tt.scale || dur != tt.dur {
			t.Errorf("mp4Header(version %d) = %d, %d, %v; want %d, %d", tt.body[0], scale, dur, err, tt.scale, tt.dur)
		}
	}
}

func TestDurationMs(t *testing.T) {
	for _, tt := range []struct {
		samples, rate uint64
		want          int64
	}{{44100, 44100, 1000}, {1, 44100, 0}, {23, 44100, 1}, {1 << 62, 1 << 31, 1 << 31 * 1000}} {
		if got, err := durationMs(tt.samples, tt.rate); err != nil || got != tt.want {
			t.Errorf("durationMs(%d, %d) = %d, %v; want %d", tt.samples, tt.rate, got, err, tt.want)
		}
	}
	for _, tt := range [][2]uint64{{0, 44100}, {10, 0}, {1<<64 - 1, 1}} {
		if got, err := durationMs(tt[0], tt[1]); err == nil {
			t.Errorf("durationMs(%d, %d) = %d, want an error", tt[0], tt[1], got)
		}
	}
}

// mp4Insert inserts extra at the end of the content of the first box of
// type typ in an M4A file from audiogen, growing the boxes around it and
// moving the chunk offset past it.
func mp4Insert(t *testing.T, b []byte, typ string, extra []byte) []byte {
	t.Helper()
	var grow func(start, end int) (int, bool)
	grow = func(start, end int) (int, bool) { // returns where to insert
		for off := start; off < end; {
			n := int(binary.BigEndian.Uint32(b[off:]))
			body := off + 8
			switch name := string(b[off+4 : off+8]); {
			case name == typ:
				binary.BigEndian.PutUint32(b[off:], uint32(n+len(extra)))
				return off + n, true
			case name == "meta":
				body += 4
				fallthrough
			case name == "moov" || name == "udta" || name == "ilst":
				if at, ok := grow(body, off+n); ok {
					binary.BigEndian.PutUint32(b[off:], uint32(n+len(extra)))
					return at, true
				}
			}
			off += n
		}
		return 0, false
	}
	b = bytes.Clone(b)
	at, ok := grow(0, len(b))
	if !ok {
		t.Fatalf("no %q box", typ)
	}
	b = append(b[:at], append(bytes.Clone(extra), b[at:]...)...)
	stco := bytes.Index(b, []byte("stco")) + 12
	binary.BigEndian.PutUint32(b[stco:], binary.BigEndian.Uint32(b[stco:])+uint32(len(extra)))
	return b
}

func TestRead_MP4TwoCovers(t *testing.T) {
	back := audiogen.PNG(color.Black)
	data := append([]byte{0, 0, 0, byte(16 + len(back)), 'd', 'a', 't', 'a', 0, 0, 0, 14, 0, 0, 0, 0}, back...)
	b := mp4Insert(t, audiogen.M4A(allTags(time.Second)), "covr", data)
	got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Cover == nil || !bytes.Equal(got.Cover.Data, cover) || got.Cover.MIMEType != "image/png" {
		t.Errorf("Cover = %s, want the first image", coverInfo(got.Cover))
	}
	if got.Title != "Größe & Ünïcode ♪" || got.DurationMs != 1000 {
		t.Errorf("read %+v", got)
	}
}
