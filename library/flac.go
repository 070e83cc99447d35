package library

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dhowden/tag"
)

// FLAC metadata block types.
const (
	flacStreamInfo    = 0
	flacVorbisComment = 4
	flacPicture       = 6
	flacInvalid       = 127
)

// streamInfo is what Read needs of FLAC's STREAMINFO block.
type streamInfo struct {
	minBlock, maxBlock uint32 // samples
	maxFrame           uint32 // bytes; 0 when unknown
	rate               uint32 // Hz
	total              uint64 // samples per channel; 0 when unknown
}

// readFLAC reads a FLAC stream whose "fLaC" marker is at start.
func readFLAC(src *source, start int64) (Meta, error) {
	m := Meta{Format: "FLAC", ContentType: "audio/flac"}
	var (
		si       streamInfo
		comments []byte // the first VORBIS_COMMENT block's body
		covers   coverPicker
	)
	off := start + 4
	for i := 0; ; i++ {
		h, err := src.read(off, 4)
		if err != nil {
			return m, fmt.Errorf("FLAC metadata block %d header %w", i, err)
		}
		last, typ := h[0]&0x80 != 0, h[0]&0x7F
		n := int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3])
		body, err := src.read(off+4, n)
		if err != nil {
			return m, fmt.Errorf("FLAC metadata block %d (type %d, %d bytes) %w", i, typ, n, err)
		}
		if (i == 0) != (typ == flacStreamInfo) {
			return m, errors.New("FLAC stream does not start with exactly one STREAMINFO block")
		}
		switch typ {
		case flacStreamInfo:
			if si, err = parseStreamInfo(body); err != nil {
				return m, err
			}
		case flacVorbisComment:
			if err := checkVorbisComment(body, true, &covers); err != nil {
				return m, fmt.Errorf("FLAC VORBIS_COMMENT: %w", err)
			}
			if comments == nil {
				comments = body
			}
		case flacPicture:
			t, p, err := parsePictureBlock(body)
			if err != nil {
				return m, fmt.Errorf("FLAC PICTURE: %w", err)
			}
			covers.offer(t, p)
		case flacInvalid:
			return m, fmt.Errorf("FLAC metadata block %d has the invalid type 127", i)
		}
		off += 4 + n
		if last {
			break
		}
	}
	end, err := flacLastSample(src, off, si)
	if err != nil {
		return m, err
	}
	samples := si.total
	if samples == 0 {
		samples = end
	} else if end < samples {
		return m, fmt.Errorf("FLAC audio ends at sample %d of the %d STREAMINFO announces (truncated?)", end, samples)
	}
	if m.DurationMs, err = durationMs(samples, uint64(si.rate)); err != nil {
		return m, err
	}
	m.Cover = covers.pic
	if comments == nil {
		return m, nil
	}
	// dhowden/tag reads the comments from a stream of just this block, so
	// it never sees a length this package has not checked.
	var b bytes.Buffer
	b.WriteString("fLaC")
	b.Write([]byte{0x80 | flacVorbisComment, byte(len(comments) >> 16), byte(len(comments) >> 8), byte(len(comments))})
	b.Write(comments)
	_, err = readTags(&m, vorbisKeys, func() (tag.Metadata, error) {
		return tag.ReadFLACTags(bytes.NewReader(b.Bytes()))
	})
	return m, err
}

// parseStreamInfo parses the body of a STREAMINFO block.
func parseStreamInfo(b []byte) (streamInfo, error) {
	if len(b) != 34 {
		return streamInfo{}, fmt.Errorf("FLAC STREAMINFO is %d bytes, want 34", len(b))
	}
	x := binary.BigEndian.Uint64(b[10:18])
	si := streamInfo{
		minBlock: uint32(binary.BigEndian.Uint16(b[0:2])),
		maxBlock: uint32(binary.BigEndian.Uint16(b[2:4])),
		maxFrame: uint32(b[7])<<16 | uint32(b[8])<<8 | uint32(b[9]),
		rate:     uint32(x >> 44),
		total:    x & (1<<36 - 1),
	}
	if si.rate == 0 {
		return si, errors.New("FLAC STREAMINFO has sample rate 0")
	}
	if si.maxBlock < 16 || si.minBlock > si.maxBlock {
		return si, fmt.Errorf("FLAC STREAMINFO has invalid block sizes %d..%d", si.minBlock, si.maxBlock)
	}
	return si, nil
}

// durationMs converts a count of samples at rate Hz to milliseconds,
// rounded, without overflowing.
func durationMs(samples, rate uint64) (int64, error) {
	if samples == 0 {
		return 0, errors.New("no audio samples")
	}
	if rate == 0 {
		return 0, errors.New("sample rate 0")
	}
	if samples/rate > 1<<50 {
		return 0, fmt.Errorf("implausible length of %d samples at %d Hz", samples, rate)
	}
	return int64(samples/rate*1000 + (samples%rate*1000+rate/2)/rate), nil
}
