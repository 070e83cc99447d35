package audiogen

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
)

const (
	flacRate  = 44100 // Hz, mono, 16 bits
	flacBlock = 4096  // samples per frame, the last frame fewer
)

// FLAC returns a FLAC file of t.Duration of silence at 44.1 kHz, mono, 16
// bits: STREAMINFO (with the MD5 of the samples), a VORBIS_COMMENT block
// when t has tags, a PICTURE block when it has a cover, then frames of one
// CONSTANT subframe each.
func FLAC(t Tags) []byte {
	total := t.samples(flacRate)
	var audio bytes.Buffer
	minFrame, maxFrame := 1<<24-1, 0
	for n, first := 0, 0; first < total; n, first = n+1, first+flacBlock {
		f := flacFrame(n, min(flacBlock, total-first))
		minFrame, maxFrame = min(minFrame, len(f)), max(maxFrame, len(f))
		audio.Write(f)
	}

	var si bytes.Buffer
	be16(&si, flacBlock) // minimum and maximum block size
	be16(&si, flacBlock)
	si.Write(be24(uint32(minFrame)))
	si.Write(be24(uint32(maxFrame)))
	// sample rate (20 bits), channels-1 (3), bits per sample-1 (5), samples (36)
	si.Write(binary.BigEndian.AppendUint64(nil, flacRate<<44|0<<41|15<<36|uint64(total)))
	sum := md5.New() // of the decoded samples: all zero
	for left, zeros := 2*total, make([]byte, 4096); left > 0; left -= len(zeros) {
		sum.Write(zeros[:min(left, len(zeros))])
	}
	si.Write(sum.Sum(nil))

	blocks := [][]byte{si.Bytes()}
	types := []byte{0} // STREAMINFO
	if c := t.comments(); len(c) > 0 {
		blocks, types = append(blocks, vorbisComment(c)), append(types, 4)
	}
	if t.Cover != nil {
		blocks, types = append(blocks, pictureBlock(t.Cover)), append(types, 6)
	}

	var b bytes.Buffer
	b.WriteString("fLaC")
	for i, body := range blocks {
		typ := types[i]
		if i == len(blocks)-1 {
			typ |= 0x80 // the last metadata block
		}
		b.WriteByte(typ)
		b.Write(be24(uint32(len(body))))
		b.Write(body)
	}
	b.Write(audio.Bytes())
	return b.Bytes()
}

// flacFrame encodes frame n of a fixed-block-size stream: blockSize samples
// of silence as one CONSTANT subframe.
func flacFrame(n, blockSize int) []byte {
	bsCode, bsExtra := byte(12), []byte(nil) // 12: 4096 samples
	if blockSize != flacBlock {
		bsCode, bsExtra = 7, binary.BigEndian.AppendUint16(nil, uint16(blockSize-1)) // 7: 16 bits follow
	}
	h := []byte{0xFF, 0xF8, bsCode<<4 | 9, 0<<4 | 4<<1} // fixed blocking; 44.1 kHz; mono, 16 bits
	h = append(h, utf8Number(uint32(n))...)
	h = append(h, bsExtra...)
	h = append(h, crc8(h))
	h = append(h, 0x00, 0x00, 0x00) // subframe: CONSTANT, no wasted bits; the value 0 in 16 bits
	return binary.BigEndian.AppendUint16(h, crc16(h))
}

// utf8Number codes a frame number the way FLAC does, like UTF-8.
func utf8Number(v uint32) []byte {
	if v < 0x80 {
		return []byte{byte(v)}
	}
	n := 2 // bytes: 2 hold 11 bits, each more 5 more
	for v>>(5*n+1) != 0 {
		n++
	}
	b := make([]byte, n)
	for i := n - 1; i > 0; i-- {
		b[i] = 0x80 | byte(v&0x3F)
		v >>= 6
	}
	b[0] = byte(0xFF<<(8-n)) | byte(v)
	return b
}

func be24(v uint32) []byte { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }

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

// crc16 is FLAC's frame CRC: polynomial x^16+x^15+x^2+1, initial 0.
func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c ^= uint16(x) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8005
			} else {
				c <<= 1
			}
		}
	}
	return c
}
