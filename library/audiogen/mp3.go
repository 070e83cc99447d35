package audiogen

import (
	"bytes"
	"encoding/binary"
)

const (
	mp3Rate    = 48000 // Hz
	mp3Samples = 1152  // per MPEG-1 Layer III frame: 24 ms at 48 kHz
	mp3Frame   = 96    // bytes per frame at 32 kbit/s and 48 kHz: 144 * 32000 / 48000
	mp3Side    = 17    // bytes of side information in a mono MPEG-1 frame
)

// mp3Header is an MPEG-1 Layer III frame header: no CRC, 32 kbit/s,
// 48 kHz, no padding, mono.
var mp3Header = []byte{0xFF, 0xFB, 0x14, 0xC0}

// MP3 returns an MP3 file of t.Duration of silence (to the nearest 24 ms
// frame): an ID3v2.4 tag when t has tags or a cover, an Info (Xing) frame
// giving the frame count and stream size, then MPEG-1 Layer III frames at
// 32 kbit/s, 48 kHz, mono. A frame whose side information and main data are
// zero decodes to silence.
func MP3(t Tags) []byte {
	frames := max((t.samples(mp3Rate)+mp3Samples/2)/mp3Samples, 1)
	var b bytes.Buffer
	b.Write(id3v2(t))

	info := make([]byte, mp3Frame) // the Info frame: silent, and not counted
	copy(info, mp3Header)
	x := info[4+mp3Side:]
	copy(x, "Info")                                                 // CBR
	binary.BigEndian.PutUint32(x[4:], 0x3)                          // frames and bytes fields present
	binary.BigEndian.PutUint32(x[8:], uint32(frames))               // audio frames after this one
	binary.BigEndian.PutUint32(x[12:], uint32((frames+1)*mp3Frame)) // the stream, this frame included
	b.Write(info)

	frame := make([]byte, mp3Frame)
	copy(frame, mp3Header)
	for range frames {
		b.Write(frame)
	}
	return b.Bytes()
}

// id3v2 encodes t as an ID3v2.4 tag of UTF-8 text frames and an APIC
// frame; it is empty when t has neither tags nor cover.
func id3v2(t Tags) []byte {
	var frames bytes.Buffer
	frame := func(id string, body []byte) {
		frames.WriteString(id)
		frames.Write(syncsafe(len(body)))
		frames.Write([]byte{0, 0}) // flags
		frames.Write(body)
	}
	text := func(id, v string) {
		if v != "" {
			frame(id, append([]byte{3}, v...)) // 3: UTF-8
		}
	}
	text("TIT2", t.Title)
	text("TPE1", t.Artist)
	text("TPE2", t.AlbumArtist)
	text("TALB", t.Album)
	text("TCON", t.Genre)
	text("TDRC", num(t.Year))
	text("TRCK", num(t.Track))
	text("TPOS", num(t.Disc))
	text("TSRC", t.ISRC)
	if t.Cover != nil {
		var p bytes.Buffer
		p.WriteByte(0) // Latin-1 MIME type and description
		p.WriteString(imageMIME(t.Cover))
		p.Write([]byte{0, 3, 0}) // end of MIME type; front cover; empty description
		p.Write(t.Cover)
		frame("APIC", p.Bytes())
	}
	if frames.Len() == 0 {
		return nil
	}
	h := append([]byte("ID3\x04\x00\x00"), syncsafe(frames.Len())...) // version 2.4.0, no flags
	return append(h, frames.Bytes()...)
}

// syncsafe codes n in 4 bytes of 7 bits each, as ID3v2.4 sizes are.
func syncsafe(n int) []byte {
	return []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
}
