package library

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dhowden/tag"
)

// mpegHeader is what Read needs of an MPEG audio Layer III frame header.
type mpegHeader struct {
	mpeg1   bool   // MPEG-1; else MPEG-2 or MPEG-2.5
	mono    bool   // single channel
	rate    int    // Hz
	length  int    // the frame's length in bytes, header included
	samples int    // per channel
	stream  uint16 // the version, layer and sample rate bits, which all frames of a stream share
}

// minMPEGFrame is the length of the shortest Layer III frame: MPEG-2 at
// 8 kbit/s and 24 kHz.
const minMPEGFrame = 24

// Layer III bit rates in kbit/s, by version and the header's index.
var mpegBitrates = [2][16]int{
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}, // MPEG-1
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},     // MPEG-2 and 2.5
}

// Sample rates by the header's version bits (0: MPEG-2.5, 2: MPEG-2,
// 3: MPEG-1) and rate index.
var mpegRates = [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}

// parseMPEGHeader parses the 4-byte frame header b starts with; it accepts
// Layer III of MPEG-1, 2 and 2.5, not free-format bit rates.
func parseMPEGHeader(b []byte) (mpegHeader, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mpegHeader{}, false
	}
	version, layer := (b[1]>>3)&3, (b[1]>>1)&3
	bitrate, rate := b[2]>>4, (b[2]>>2)&3
	if version == 1 || layer != 1 || bitrate == 0 || bitrate == 15 || rate == 3 || b[3]&3 == 2 {
		return mpegHeader{}, false
	}
	h := mpegHeader{
		mpeg1:  version == 3,
		mono:   b[3]>>6 == 3,
		rate:   mpegRates[version][rate],
		stream: uint16(b[1]&0xFE)<<8 | uint16(b[2]&0x0C),
	}
	coeff, v := 72, 1
	h.samples = 576
	if h.mpeg1 {
		coeff, v, h.samples = 144, 0, 1152
	}
	h.length = coeff*mpegBitrates[v][bitrate]*1000/h.rate + int(b[2]>>1&1)
	return h, true
}

// readMP3 reads an MPEG audio stream that follows id3 (nil: none).
func readMP3(src *source, id3 *id3Tag) (Meta, error) {
	m := Meta{Format: "MP3", ContentType: "audio/mpeg"}
	start := int64(0)
	if id3 != nil {
		start = id3.end
	}
	end, err := mpegEnd(src, start)
	if err != nil {
		return m, err
	}
	pos, h, err := firstMPEGFrame(src, start, end)
	if err != nil {
		return m, err
	}
	if pos < 0 {
		if id3 == nil {
			return m, errors.New("not an audio file Segue can read: no FLAC, Ogg, MP4 or MPEG audio signature found")
		}
		return m, errors.New("the ID3v2 tag is not followed by MPEG Layer III audio frames")
	}
	frames, err := mpegFrames(src, pos, end, h)
	if err != nil {
		return m, err
	}
	if m.DurationMs, err = durationMs(frames*uint64(h.samples), uint64(h.rate)); err != nil {
		return m, err
	}
	switch {
	case id3 != nil:
		md, err := readTags(&m, id3v2Keys, func() (tag.Metadata, error) {
			return tag.ReadID3v2Tags(src.section(0, id3.end))
		})
		if err != nil {
			return m, err
		}
		m.Cover = id3Cover(md)
	case end < src.size && src.size-end >= 128:
		if b, err := src.read(src.size-128, 3); err == nil && string(b) == "TAG" {
			if _, err := readTags(&m, id3v1Keys, func() (tag.Metadata, error) {
				return tag.ReadID3v1Tags(src.section(0, src.size))
			}); err != nil {
				return m, err
			}
		}
	}
	return m, nil
}

// mpegEnd is where the MPEG frames after start must end: the end of the
// file, less an ID3v1 tag and an APEv2 tag.
func mpegEnd(src *source, start int64) (int64, error) {
	end := src.size
	if end-start >= 128 {
		b, err := src.read(end-128, 3)
		if err != nil {
			return 0, err
		}
		if string(b) == "TAG" {
			end -= 128
		}
	}
	if end-start >= 32 {
		f, err := src.read(end-32, 32)
		if err != nil {
			return 0, err
		}
		if string(f[:8]) == "APETAGEX" {
			n := int64(binary.LittleEndian.Uint32(f[12:16])) // items and footer
			if binary.LittleEndian.Uint32(f[20:24])&(1<<31) != 0 {
				n += 32 // and a header
			}
			if n <= end-start {
				end -= n
			}
		}
	}
	return end, nil
}

// firstMPEGFrame finds the first frame in the 64 KiB after start: a header
// whose frame ends the stream or is followed by a header of the same
// stream. It returns -1 when there is none.
func firstMPEGFrame(src *source, start, end int64) (int64, mpegHeader, error) {
	const search = 64 << 10
	buf, err := src.read(start, min(end-start, search+2048))
	if err != nil {
		return 0, mpegHeader{}, err
	}
	for i := 0; i < len(buf) && i < search; i++ {
		h, ok := parseMPEGHeader(buf[i:])
		if !ok {
			continue
		}
		next := start + int64(i+h.length)
		switch {
		case next == end:
			return start + int64(i), h, nil
		case next > end:
			if i == 0 {
				return 0, h, fmt.Errorf("the first MPEG frame (%d bytes) %w", h.length, errTruncated)
			}
			continue
		}
		b, err := src.head(next, 4)
		if err != nil {
			return 0, h, err
		}
		if h2, ok := parseMPEGHeader(b); ok && h2.stream == h.stream {
			return start + int64(i), h, nil
		}
	}
	return -1, mpegHeader{}, nil
}

// mpegFrames counts the frames of the stream whose first frame, h, is at
// pos: from a Xing, Info or VBRI header in that frame, else by walking
// every frame header to end (or to bytes that are not a frame).
func mpegFrames(src *source, pos, end int64, h mpegHeader) (uint64, error) {
	first, err := src.read(pos, int64(h.length))
	if err != nil {
		return 0, err
	}
	frames, size, isHeader := vbrHeader(first, h)
	if size > 0 && end-pos < int64(size) {
		return 0, fmt.Errorf("the MPEG stream is %d bytes, but its VBR header says %d (truncated?)", end-pos, size)
	}
	limit := uint64(end - pos)
	if size > 0 {
		limit = uint64(size)
	}
	if frames > 0 && uint64(frames)*minMPEGFrame <= limit {
		return uint64(frames), nil
	}
	// No frame count, or more frames than the bytes could hold: walk them.
	var n uint64
	p := pos
	if isHeader { // a VBR header's frame is no audio
		p += int64(h.length)
	}
	r := bufio.NewReaderSize(src.section(p, end), 64<<10)
	for {
		b, _ := r.Peek(4)
		if len(b) < 4 {
			if len(b) > 0 && b[0] == 0xFF {
				return 0, fmt.Errorf("a partial MPEG frame header at offset %d (truncated?)", p)
			}
			return n, nil
		}
		fh, ok := parseMPEGHeader(b)
		if !ok || fh.stream != h.stream {
			return n, nil // not a frame: the rest is not audio
		}
		if int64(fh.length) > end-p {
			return 0, fmt.Errorf("the MPEG frame at offset %d (%d bytes) %w", p, fh.length, errTruncated)
		}
		if _, err := r.Discard(fh.length); err != nil {
			return 0, err
		}
		p += int64(fh.length)
		n++
	}
}

// vbrHeader reads the Xing/Info or VBRI header in a stream's first frame:
// the count of audio frames after it and the stream's size in bytes (0 when
// not given), and whether there was such a header at all.
func vbrHeader(frame []byte, h mpegHeader) (frames, size uint32, ok bool) {
	side := 32 // side information before the Xing header
	switch {
	case h.mpeg1 && h.mono, !h.mpeg1 && !h.mono:
		side = 17
	case !h.mpeg1 && h.mono:
		side = 9
	}
	x := frame[min(4+side, len(frame)):]
	if len(x) >= 8 && (string(x[:4]) == "Xing" || string(x[:4]) == "Info") {
		flags := binary.BigEndian.Uint32(x[4:])
		x = x[8:]
		if flags&1 != 0 && len(x) >= 4 {
			frames = binary.BigEndian.Uint32(x)
			x = x[4:]
		}
		if flags&2 != 0 && len(x) >= 4 {
			size = binary.BigEndian.Uint32(x)
		}
		return frames, size, true
	}
	if v := frame[min(36, len(frame)):]; len(v) >= 18 && string(v[:4]) == "VBRI" {
		return binary.BigEndian.Uint32(v[14:]), binary.BigEndian.Uint32(v[10:]), true
	}
	return 0, 0, false
}
