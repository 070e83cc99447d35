package library

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dhowden/tag"
)

// Ogg page header flags.
const (
	oggContinued = 1 // the page starts with the rest of the previous page's last packet
	oggBOS       = 2 // beginning of stream
	oggEOS       = 4 // end of stream
)

const (
	oggMaxPage       = 27 + 255 + 255*255 // header, segment table, body
	oggMaxTagsPacket = 24 << 20           // the comment header: a 16 MiB cover in base64, and the rest
)

// oggPage is one Ogg page.
type oggPage struct {
	flags   byte
	granule uint64
	serial  uint32
	segs    []byte // the segment table: the lacing values
	body    []byte
	size    int64 // the whole page's
}

// readOgg reads an Ogg Opus or Ogg Vorbis stream.
func readOgg(src *source) (Meta, error) {
	m := Meta{ContentType: "audio/ogg"}
	serial, id, comments, err := oggHeaders(src)
	if err != nil {
		return m, err
	}
	var preSkip, rate uint64
	var magic string
	switch {
	case bytes.HasPrefix(id, []byte("OpusHead")):
		if len(id) < 19 || id[8]>>4 != 0 || id[9] == 0 {
			return m, errors.New("invalid OpusHead packet")
		}
		m.Format, magic = "OPUS", "OpusTags"
		preSkip, rate = uint64(binary.LittleEndian.Uint16(id[10:])), 48000 // granules count at 48 kHz
	case bytes.HasPrefix(id, []byte("\x01vorbis")):
		if len(id) < 30 || binary.LittleEndian.Uint32(id[7:]) != 0 || id[11] == 0 {
			return m, errors.New("invalid Vorbis identification header")
		}
		m.Format, magic = "VORBIS", "\x03vorbis"
		rate = uint64(binary.LittleEndian.Uint32(id[12:]))
	default:
		return m, errors.New("unsupported Ogg codec: Segue reads Ogg Opus and Ogg Vorbis")
	}
	if !bytes.HasPrefix(comments, []byte(magic)) {
		return m, fmt.Errorf("the second Ogg packet is not %q", magic)
	}
	var covers coverPicker
	if err := checkVorbisComment(comments[len(magic):], false, &covers); err != nil {
		return m, fmt.Errorf("%s: %w", magic, err)
	}
	granule, err := oggLastGranule(src, serial)
	if err != nil {
		return m, err
	}
	if granule <= preSkip {
		return m, errors.New("no audio samples")
	}
	if m.DurationMs, err = durationMs(granule-preSkip, rate); err != nil {
		return m, err
	}
	m.Cover = covers.pic
	_, err = readTags(&m, vorbisKeys, func() (tag.Metadata, error) {
		return tag.ReadOGGTags(src.section(0, src.size))
	})
	return m, err
}

// oggHeaders returns the serial number of the file's first logical stream
// and its first two packets: the identification and comment headers.
func oggHeaders(src *source) (serial uint32, id, comments []byte, err error) {
	var packets [][]byte
	var pkt []byte
	partial := false
	for off := int64(0); len(packets) < 2; {
		p, err := readOggPage(src, off)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("Ogg page at offset %d: %w", off, err)
		}
		if off == 0 {
			if p.flags&oggBOS == 0 {
				return 0, nil, nil, errors.New("the first Ogg page does not begin a stream")
			}
			serial = p.serial
		}
		off += p.size
		if p.serial != serial {
			continue // a page of another, multiplexed, stream
		}
		if (p.flags&oggContinued != 0) != partial {
			return 0, nil, nil, fmt.Errorf("Ogg page at offset %d breaks packet continuation", off-p.size)
		}
		body := p.body
		for _, s := range p.segs {
			pkt = append(pkt, body[:s]...)
			body = body[s:]
			if len(pkt) > oggMaxTagsPacket {
				return 0, nil, nil, fmt.Errorf("Ogg header packet larger than %d MiB", oggMaxTagsPacket>>20)
			}
			if s < 255 {
				packets, pkt = append(packets, pkt), nil
				if len(packets) == 2 {
					break
				}
			}
		}
		partial = len(p.segs) > 0 && p.segs[len(p.segs)-1] == 255
		if len(packets) < 2 && p.flags&oggEOS != 0 {
			return 0, nil, nil, errors.New("the Ogg stream ends before its headers do")
		}
	}
	return serial, packets[0], packets[1], nil
}

// readOggPage reads the page at off.
func readOggPage(src *source, off int64) (oggPage, error) {
	h, err := src.read(off, 27)
	if err != nil {
		return oggPage{}, err
	}
	n := int64(27 + int(h[26]))
	segs, err := src.read(off+27, int64(h[26]))
	if err != nil {
		return oggPage{}, err
	}
	for _, s := range segs {
		n += int64(s)
	}
	b, err := src.read(off, n)
	if err != nil {
		return oggPage{}, err
	}
	return parseOggPage(b)
}

// parseOggPage parses the page b starts with and checks its CRC.
func parseOggPage(b []byte) (oggPage, error) {
	if len(b) < 27 {
		return oggPage{}, errTruncated
	}
	if string(b[:4]) != "OggS" || b[4] != 0 {
		return oggPage{}, errors.New("not an Ogg page")
	}
	nseg := int(b[26])
	if len(b) < 27+nseg {
		return oggPage{}, errTruncated
	}
	p := oggPage{
		flags:   b[5],
		granule: binary.LittleEndian.Uint64(b[6:]),
		serial:  binary.LittleEndian.Uint32(b[14:]),
		segs:    b[27 : 27+nseg],
	}
	n := 27 + nseg
	for _, s := range p.segs {
		n += int(s)
	}
	if len(b) < n {
		return oggPage{}, errTruncated
	}
	p.body, p.size = b[27+nseg:n], int64(n)
	crc := oggCRC(oggCRC(oggCRC(0, b[:22]), []byte{0, 0, 0, 0}), b[26:n])
	if crc != binary.LittleEndian.Uint32(b[22:]) {
		return oggPage{}, errors.New("Ogg page CRC mismatch")
	}
	return p, nil
}

// oggLastGranule returns the granule position of the file's last page,
// which must be whole, end the stream, and belong to the stream serial.
func oggLastGranule(src *source, serial uint32) (uint64, error) {
	n := min(src.size, oggMaxPage)
	buf, err := src.read(src.size-n, n)
	if err != nil {
		return 0, err
	}
	for i := len(buf) - 27; i >= 0; i-- {
		if buf[i] != 'O' || string(buf[i:i+4]) != "OggS" {
			continue
		}
		p, err := parseOggPage(buf[i:])
		if err != nil || int64(i)+p.size != int64(len(buf)) {
			continue
		}
		switch {
		case p.serial != serial:
			return 0, errors.New("the last Ogg page belongs to another stream (chained or multiplexed Ogg is not supported)")
		case p.flags&oggEOS == 0:
			return 0, errors.New("the last Ogg page does not end the stream (truncated?)")
		case p.granule == ^uint64(0):
			return 0, errors.New("the last Ogg page has no granule position")
		}
		return p.granule, nil
	}
	return 0, errors.New("the file does not end with a whole Ogg page (truncated?)")
}

// oggCRCTable is for Ogg's page CRC: polynomial 0x04c11db7, initial 0, not
// reflected (unlike the IEEE CRC-32 of hash/crc32).
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func oggCRC(c uint32, b []byte) uint32 {
	for _, x := range b {
		c = c<<8 ^ oggCRCTable[byte(c>>24)^x]
	}
	return c
}
