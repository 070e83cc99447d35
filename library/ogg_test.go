package library

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue/library/audiogen"
)

// oggPageBytes encodes one Ogg page holding whole packets.
func oggPageBytes(flags byte, granule uint64, serial, seq uint32, packets ...[]byte) []byte {
	var segs, body []byte
	for _, p := range packets {
		segs = append(segs, bytes.Repeat([]byte{255}, len(p)/255)...)
		segs = append(segs, byte(len(p)%255))
		body = append(body, p...)
	}
	h := []byte("OggS\x00")
	h = append(h, flags)
	h = binary.LittleEndian.AppendUint64(h, granule)
	h = binary.LittleEndian.AppendUint32(h, serial)
	h = binary.LittleEndian.AppendUint32(h, seq)
	h = append(h, 0, 0, 0, 0, byte(len(segs)))
	h = append(append(h, segs...), body...)
	binary.LittleEndian.PutUint32(h[22:], oggCRC(0, h))
	return h
}

// oggFile puts each packet on a page of its own; the last page ends the
// stream at granule, the others have granule 0.
func oggFile(packets [][]byte, granule uint64) []byte {
	var b []byte
	for i, p := range packets {
		flags, g := byte(0), uint64(0)
		if i == 0 {
			flags |= oggBOS
		}
		if i == len(packets)-1 {
			flags, g = flags|oggEOS, granule
		}
		b = append(b, oggPageBytes(flags, g, 7, uint32(i), p)...)
	}
	return b
}

// vorbisCommentBytes encodes a Vorbis comment block.
func vorbisCommentBytes(comments ...string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 4)
	b = append(b, "test"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(comments)))
	for _, c := range comments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	return b
}

// opusFile is a one-second Ogg Opus file with the given comment packet.
func opusFile(tags []byte) []byte {
	head := []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00") // pre-skip 312, 48 kHz
	return oggFile([][]byte{head, tags, {0xF8, 0xFF, 0xFE}}, 312+48000)
}

func opusWithComments(t *testing.T, comments ...string) []byte {
	t.Helper()
	return opusFile(append([]byte("OpusTags"), vorbisCommentBytes(comments...)...))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// pictureBlockBytes encodes a FLAC PICTURE block of a PNG image.
func pictureBlockBytes(typ uint32, img []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, typ)
	b = binary.BigEndian.AppendUint32(b, 9)
	b = append(b, "image/png"...)
	b = append(b, make([]byte, 20)...) // description, width, height, depth, colours
	b = binary.BigEndian.AppendUint32(b, uint32(len(img)))
	return append(b, img...)
}

// vorbisFile is an Ogg Vorbis file: identification, comment and setup
// headers, and an audio page that ends the stream at granule.
func vorbisFile(comments []string, rate uint32, granule uint64) []byte {
	id := []byte("\x01vorbis\x00\x00\x00\x00\x02")
	id = binary.LittleEndian.AppendUint32(id, rate)
	id = append(id, make([]byte, 12)...)
	id = append(id, 0xB8, 0x01) // block sizes 256 and 2048, framing bit
	comment := append([]byte("\x03vorbis"), vorbisCommentBytes(comments...)...)
	comment = append(comment, 1) // framing bit
	return oggFile([][]byte{id, comment, []byte("\x05vorbis setup"), {0, 0}}, granule)
}

func TestRead_OggVorbis(t *testing.T) {
	b := vorbisFile([]string{"TITLE=Vorbis Song", "artist=Someone", "TRACKNUMBER=4/10", "DISCNUMBER=1/2",
		"DATE=2001-02-03", "ISRC=usrc17607839", "GENRE=Jazz"}, 44100, 44100*3/2)
	got, err := Read(writeFile(t, "song.ogg", b))
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, got, Meta{Format: "VORBIS", ContentType: "audio/ogg", Title: "Vorbis Song", Artist: "Someone",
		Genre: "Jazz", Year: 2001, TrackNumber: 4, DiscNumber: 1, ISRC: "USRC17607839", DurationMs: 1500}, 0)
}

func TestRead_OpusCover(t *testing.T) {
	back := audiogen.PNG(color.Black)
	pic := func(typ uint32, img []byte) string {
		return "METADATA_BLOCK_PICTURE=" + b64(pictureBlockBytes(typ, img))
	}
	b := opusWithComments(t, pic(4, back), pic(3, cover), pic(0, back))
	got, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Cover == nil || !bytes.Equal(got.Cover.Data, cover) {
		t.Errorf("Cover = %v, want the front cover", coverInfo(got.Cover))
	}
}

func TestRead_OggErrors(t *testing.T) {
	good := audiogen.Opus(audiogen.Tags{Duration: time.Second})
	last := bytes.LastIndex(good, []byte("OggS"))
	page, err := parseOggPage(good[last:])
	if err != nil {
		t.Fatal(err)
	}
	repage := func(flags byte, granule uint64, serial uint32) []byte {
		var packets [][]byte
		body := page.body
		for _, s := range page.segs {
			packets, body = append(packets, body[:s]), body[s:]
		}
		return append(bytes.Clone(good[:last]), oggPageBytes(flags, granule, serial, 99, packets...)...)
	}
	tests := map[string]struct {
		data []byte
		want string
	}{
		"NoEOS":         {repage(0, page.granule, page.serial), "does not end the stream"},
		"OtherStream":   {repage(oggEOS, page.granule, page.serial+1), "another stream"},
		"NoGranule":     {repage(oggEOS, ^uint64(0), page.serial), "no granule"},
		"BeforePreSkip": {repage(oggEOS, 100, page.serial), "no audio"},
		"TrailingBytes": {append(bytes.Clone(good), "junk"...), "whole Ogg page"},
		"BadCRC":        {append(bytes.Clone(good[:40]), append([]byte{good[40] ^ 1}, good[41:]...)...), "CRC"},
		"NoTags":        {oggFile([][]byte{good[28:47], []byte("OpusTagz")}, 1000), "not \"OpusTags\""},
		"BadComment":    {opusWithComments(t, "no equals sign"), "has no '='"},
		"BadPicture":    {opusWithComments(t, "METADATA_BLOCK_PICTURE=!!"), "not base64"},
		"HeadersOnly":   {oggFile([][]byte{good[28:47]}, 0), "ends before its headers"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ReadFrom(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadFrom = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
