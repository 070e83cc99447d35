package audiogen

import (
	"bytes"
	"encoding/binary"
)

const (
	aacRate    = 44100 // Hz, mono, AAC-LC
	aacSamples = 1024  // per AAC frame
)

// aacSilence is a raw AAC-LC frame of one channel and no spectral data: a
// single channel element with max_sfb 0, then the END element.
var aacSilence = []byte{0x00, 0x00, 0x00, 0x07}

// M4A returns an MP4 audio file of t.Duration of silence (exact to the
// 44.1 kHz sample, by an edit list): ftyp "M4A ", a moov with one sound
// track of AAC-LC frames and, when t has tags, iTunes metadata (udta/meta/
// ilst, the ISRC in a ----:com.apple.iTunes:ISRC item), then the mdat.
func M4A(t Tags) []byte {
	samples := t.samples(aacRate)
	frames := (samples + aacSamples - 1) / aacSamples
	ftyp := box("ftyp", []byte("M4A \x00\x00\x02\x00M4A mp42isom"))
	moov := m4aMoov(t, samples, frames, 0)
	// The chunk offset is the mdat's content, after the moov; its size does
	// not depend on the offset.
	moov = m4aMoov(t, samples, frames, uint32(len(ftyp)+len(moov)+8))
	mdat := box("mdat", bytes.Repeat(aacSilence, frames))
	return bytes.Join([][]byte{ftyp, moov, mdat}, nil)
}

// m4aMoov builds the moov box; the samples are in one chunk at offset.
func m4aMoov(t Tags, samples, frames int, offset uint32) []byte {
	media := uint32(frames * aacSamples) // the track's length in the media timescale
	identity := u32s(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)

	mvhd := fullBox("mvhd", 0, 0, u32s(0, 0, aacRate, uint32(samples), 0x10000), u16s(0x100, 0),
		make([]byte, 8), identity, make([]byte, 24), u32s(2))
	tkhd := fullBox("tkhd", 0, 7, u32s(0, 0, 1, 0, uint32(samples), 0, 0), u16s(0, 0, 0x100, 0),
		identity, u32s(0, 0))
	elst := fullBox("elst", 0, 0, u32s(1, uint32(samples), 0), u16s(1, 0))     // play samples from media time 0
	mdhd := fullBox("mdhd", 0, 0, u32s(0, 0, aacRate, media), u16s(0x55C4, 0)) // language "und"
	hdlr := fullBox("hdlr", 0, 0, u32s(0), []byte("soun"), make([]byte, 12), []byte("SoundHandler\x00"))

	asc := []byte{0x12, 0x08} // AudioSpecificConfig: AAC-LC, 44.1 kHz, 1 channel
	bitrate := uint32(len(aacSilence) * 8 * aacRate / aacSamples)
	decConfig := descriptor(0x04, []byte{0x40, 0x15, 0, 0, 0}, u32s(bitrate, bitrate), descriptor(0x05, asc))
	esds := fullBox("esds", 0, 0, descriptor(0x03, u16s(1), []byte{0}, decConfig, descriptor(0x06, []byte{2})))
	mp4a := box("mp4a", make([]byte, 6), u16s(1), make([]byte, 8), u16s(1, 16, 0, 0), u32s(aacRate<<16), esds)

	stbl := box("stbl",
		fullBox("stsd", 0, 0, u32s(1), mp4a),
		fullBox("stts", 0, 0, u32s(1, uint32(frames), aacSamples)),
		fullBox("stsc", 0, 0, u32s(1, 1, uint32(frames), 1)),
		fullBox("stsz", 0, 0, u32s(uint32(len(aacSilence)), uint32(frames))),
		fullBox("stco", 0, 0, u32s(1, offset)))
	minf := box("minf",
		fullBox("smhd", 0, 0, u16s(0, 0)),
		box("dinf", fullBox("dref", 0, 0, u32s(1), fullBox("url ", 0, 1))),
		stbl)
	trak := box("trak", tkhd, box("edts", elst), box("mdia", mdhd, hdlr, minf))
	return box("moov", mvhd, trak, m4aUdta(t))
}

// m4aUdta encodes t as iTunes metadata; it is empty when t has no tags.
func m4aUdta(t Tags) []byte {
	var items [][]byte
	text := func(name, v string) {
		if v != "" {
			items = append(items, box(name, box("data", u32s(1, 0), []byte(v)))) // 1: UTF-8
		}
	}
	text("\xa9nam", t.Title)
	text("\xa9ART", t.Artist)
	text("aART", t.AlbumArtist)
	text("\xa9alb", t.Album)
	text("\xa9gen", t.Genre)
	text("\xa9day", num(t.Year))
	if t.Track > 0 {
		items = append(items, box("trkn", box("data", u32s(0, 0), u16s(0, uint16(t.Track), 0, 0))))
	}
	if t.Disc > 0 {
		items = append(items, box("disk", box("data", u32s(0, 0), u16s(0, uint16(t.Disc), 0))))
	}
	if t.Cover != nil {
		class := uint32(14) // PNG
		if imageMIME(t.Cover) == "image/jpeg" {
			class = 13
		}
		items = append(items, box("covr", box("data", u32s(class, 0), t.Cover)))
	}
	if t.ISRC != "" {
		items = append(items, box("----",
			fullBox("mean", 0, 0, []byte("com.apple.iTunes")),
			fullBox("name", 0, 0, []byte("ISRC")),
			box("data", u32s(1, 0), []byte(t.ISRC))))
	}
	if len(items) == 0 {
		return nil
	}
	hdlr := fullBox("hdlr", 0, 0, u32s(0), []byte("mdirappl"), make([]byte, 9))
	return box("udta", fullBox("meta", 0, 0, hdlr, box("ilst", items...)))
}

// box encodes an MP4 box: 32-bit size, type, content.
func box(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// fullBox encodes a box whose content starts with a version and 24 bits of
// flags.
func fullBox(typ string, version byte, flags uint32, parts ...[]byte) []byte {
	vf := binary.BigEndian.AppendUint32(nil, uint32(version)<<24|flags)
	return box(typ, append([][]byte{vf}, parts...)...)
}

// descriptor encodes an MPEG-4 descriptor (of an esds box): tag, size in
// one byte (all here are under 128 bytes), content.
func descriptor(tag byte, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append([]byte{tag, byte(len(body))}, body...)
}

func u32s(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, x)
	}
	return b
}

func u16s(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}
