package library

import (
	"encoding/binary"
	"errors"
)

// flacLastSample finds the last audio frame of a FLAC stream whose frames
// start at audio, checks it is whole (its CRC-16 matches and it ends the
// file, or an ID3v1 tag follows), and returns the number of the sample
// after it: the stream's length in samples.
//
// FLAC frames carry no length, so the last one is found by searching the
// file's tail backwards for a frame header whose CRC-8 matches and whose
// frame's CRC-16 then matches at the end.
func flacLastSample(src *source, audio int64, si streamInfo) (uint64, error) {
	n := src.size - audio
	if n <= 0 {
		return 0, errors.New("FLAC stream has no audio frames (truncated?)")
	}
	window := int64(4 << 20) // the largest frame likely when STREAMINFO does not say
	if si.maxFrame > 0 {
		window = max(int64(si.maxFrame)+256, 64<<10)
	}
	window = min(window, n)
	buf, err := src.read(src.size-window, window)
	if err != nil {
		return 0, err
	}
	ends := []int{len(buf)}
	if len(buf) >= 128 && string(buf[len(buf)-128:len(buf)-125]) == "TAG" {
		ends = append(ends, len(buf)-128) // an ID3v1 tag after the frames
	}
	const maxTries = 64 // CRC-16 checks: bounds the work on crafted input
	tries := 0
	for _, end := range ends {
		for p := end - 8; p >= 0 && tries < maxTries; p-- {
			if buf[p] != 0xFF || buf[p+1]&0xFE != 0xF8 {
				continue
			}
			h, ok := parseFLACFrameHeader(buf[p:end], si.rate)
			if !ok {
				continue
			}
			tries++
			if crc16(buf[p:end-2]) != binary.BigEndian.Uint16(buf[end-2:end]) {
				continue
			}
			first := h.number
			if !h.variable {
				first *= uint64(si.maxBlock)
			}
			return first + uint64(h.blockSize), nil
		}
	}
	return 0, errors.New("the last FLAC frame is incomplete or missing (truncated?)")
}

// flacFrameHeader is what Read needs of a FLAC frame header.
type flacFrameHeader struct {
	variable  bool   // variable block size: number is a sample number, else a frame number
	number    uint64 // the first sample's or the frame's number
	blockSize uint32 // samples
}

// flacRates are the sample rates of the header's codes 1 to 11.
var flacRates = [...]uint32{0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000}

// parseFLACFrameHeader parses the frame header b starts with, and checks its
// CRC-8 and that its sample rate, if it states one, is the stream's.
func parseFLACFrameHeader(b []byte, rate uint32) (flacFrameHeader, bool) {
	var h flacFrameHeader
	if len(b) < 6 || b[0] != 0xFF || b[1]&0xFE != 0xF8 {
		return h, false
	}
	h.variable = b[1]&1 == 1
	bsCode, srCode := b[2]>>4, b[2]&0x0F
	if bsCode == 0 || srCode == 15 || b[3]>>4 > 10 || (b[3]>>1)&7 == 3 || b[3]&1 != 0 {
		return h, false
	}
	num, n, ok := flacUTF8(b[4:], h.variable)
	if !ok {
		return h, false
	}
	h.number = num
	i := 4 + n
	need := func(k int) bool { return len(b) >= i+k }
	switch {
	case bsCode == 1:
		h.blockSize = 192
	case bsCode <= 5:
		h.blockSize = 576 << (bsCode - 2)
	case bsCode == 6:
		if !need(1) {
			return h, false
		}
		h.blockSize = uint32(b[i]) + 1
		i++
	case bsCode == 7:
		if !need(2) {
			return h, false
		}
		h.blockSize = uint32(binary.BigEndian.Uint16(b[i:])) + 1
		i += 2
	default:
		h.blockSize = 256 << (bsCode - 8)
	}
	switch {
	case srCode >= 1 && srCode <= 11:
		if flacRates[srCode] != rate {
			return h, false
		}
	case srCode == 12:
		i++
	case srCode == 13 || srCode == 14:
		i += 2
	}
	if !need(1) || crc8(b[:i]) != b[i] {
		return h, false
	}
	return h, true
}

// flacUTF8 decodes the frame or sample number that FLAC codes like UTF-8:
// up to 6 bytes (31 bits) for a frame number, 7 (36 bits) for a sample
// number. It returns the number and its length in bytes.
func flacUTF8(b []byte, variable bool) (uint64, int, bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	c := b[0]
	n := 0
	for n < 8 && c&(0x80>>n) != 0 {
		n++
	}
	switch {
	case n == 0:
		return uint64(c), 1, true
	case n == 1 || n > 7 || (n == 7 && !variable):
		return 0, 0, false
	}
	if len(b) < n {
		return 0, 0, false
	}
	v := uint64(c & (0xFF >> (n + 1)))
	for _, x := range b[1:n] {
		if x&0xC0 != 0x80 {
			return 0, 0, false
		}
		v = v<<6 | uint64(x&0x3F)
	}
	return v, n, true
}

// crc8 is FLAC's frame header CRC: polynomial x^8+x^2+x+1, initial 0.
func crc8(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// crc16Table is for FLAC's frame CRC: polynomial x^16+x^15+x^2+1, initial 0.
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8005
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c<<8 ^ crc16Table[byte(c>>8)^x]
	}
	return c
}
