package audiogen

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
)

const (
	opusRate    = 48000 // Hz: Opus granule positions always count at 48 kHz
	opusPreSkip = 312   // samples the decoder drops at the start
	opusPacket  = 960   // samples per 20 ms packet
	opusPerPage = 50    // packets per audio page: one second
	oggSerial   = 0x5E6E5E6E
)

// opusSilence is a 20 ms CELT-only fullband mono packet (TOC 0xF8: config
// 31, one frame) whose frame decodes to silence.
var opusSilence = []byte{0xF8, 0xFF, 0xFE}

// Opus returns an Ogg Opus file of t.Duration of silence (exact to the
// 48 kHz sample): the OpusHead page (pre-skip 312, 48 kHz input), the
// OpusTags page(s) with the comments (and the cover as a
// METADATA_BLOCK_PICTURE), then pages of 20 ms silent packets whose last
// page ends the stream and trims it to the length.
func Opus(t Tags) []byte {
	var w oggWriter
	head := []byte("OpusHead\x01\x01") // version 1, one channel
	head = binary.LittleEndian.AppendUint16(head, opusPreSkip)
	head = binary.LittleEndian.AppendUint32(head, opusRate)
	head = append(head, 0, 0, 0) // output gain 0, channel mapping family 0
	w.packet(head, 0, oggBOS)

	comments := t.comments()
	if t.Cover != nil {
		comments = append(comments, "METADATA_BLOCK_PICTURE="+base64.StdEncoding.EncodeToString(pictureBlock(t.Cover)))
	}
	w.packet(append([]byte("OpusTags"), vorbisComment(comments)...), 0, 0)

	end := uint64(opusPreSkip + t.samples(opusRate)) // decoded samples, the pre-skip included
	packets := int((end + opusPacket - 1) / opusPacket)
	for first := 0; first < packets; first += opusPerPage {
		n := min(opusPerPage, packets-first)
		segs := bytes.Repeat([]byte{byte(len(opusSilence))}, n)
		body := bytes.Repeat(opusSilence, n)
		granule, flags := uint64(first+n)*opusPacket, byte(0)
		if first+n == packets {
			granule, flags = end, oggEOS // the last page trims the last packet
		}
		w.page(flags, granule, segs, body)
	}
	return w.b.Bytes()
}

// Ogg page header flags.
const (
	oggContinued = 1
	oggBOS       = 2
	oggEOS       = 4
)

// oggWriter lays packets out in the pages of one logical Ogg stream.
type oggWriter struct {
	b   bytes.Buffer
	seq uint32
}

// packet writes p on pages of its own: several when it needs more than 255
// lacing values. granule goes on the page that ends it, -1 on the others.
func (w *oggWriter) packet(p []byte, granule uint64, flags byte) {
	lacing := bytes.Repeat([]byte{255}, len(p)/255)
	lacing = append(lacing, byte(len(p)%255))
	for i := 0; i < len(lacing); i += 255 {
		segs := lacing[i:min(i+255, len(lacing))]
		n := 255 * len(segs)
		if i+len(segs) == len(lacing) {
			n = len(p) // the last page holds the rest
		}
		g := ^uint64(0)
		if i+len(segs) == len(lacing) {
			g = granule
		}
		w.page(flags, g, segs, p[:n])
		p = p[n:]
		flags = oggContinued
	}
}

// page writes one page with its CRC.
func (w *oggWriter) page(flags byte, granule uint64, segs, body []byte) {
	h := []byte("OggS\x00")
	h = append(h, flags)
	h = binary.LittleEndian.AppendUint64(h, granule)
	h = binary.LittleEndian.AppendUint32(h, oggSerial)
	h = binary.LittleEndian.AppendUint32(h, w.seq)
	h = append(h, 0, 0, 0, 0) // the CRC, computed with these zero
	h = append(h, byte(len(segs)))
	h = append(h, segs...)
	h = append(h, body...)
	binary.LittleEndian.PutUint32(h[22:], oggCRC(h))
	w.b.Write(h)
	w.seq++
}

// oggCRC is Ogg's page CRC: polynomial 0x04c11db7, initial 0, not
// reflected (unlike the IEEE CRC-32 of hash/crc32).
func oggCRC(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c ^= uint32(x) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
	}
	return c
}
