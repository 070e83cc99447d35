package library

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/dhowden/tag"
)

// mp4Box is one box (atom) of an MP4 file.
type mp4Box struct {
	typ              string
	start, body, end int64 // offsets of the box, its content and the byte after it
}

// mp4Info is what Read takes from the moov box.
type mp4Info struct {
	timescale, duration uint64 // mvhd's
	mdhdScale, mdhdDur  uint64 // the sound track's mdhd's
	codec               string // the sound track's sample entry type: "mp4a", "alac"...
	track, disc         int    // from ilst's trkn and disk
	cover               mp4Box // covr's first data box; typ "" when none
}

// readMP4 reads an MP4/M4A file.
func readMP4(src *source) (Meta, error) {
	m := Meta{ContentType: "audio/mp4"}
	var moov *mp4Box
	mdat := false
	err := mp4Walk(src, 0, src.size, func(b mp4Box) error {
		switch {
		case b.typ == "moov" && moov == nil:
			moov = &b
		case b.typ == "mdat":
			mdat = true
		}
		return nil
	})
	switch {
	case err != nil:
		return m, err
	case moov == nil:
		return m, errors.New("MP4 file has no moov box")
	case !mdat:
		return m, errors.New("MP4 file has no mdat box (truncated?)")
	}
	var info mp4Info
	if err := info.readMoov(src, *moov); err != nil {
		return m, err
	}
	switch info.codec {
	case "mp4a":
		m.Format = "AAC"
	case "alac":
		m.Format = "ALAC"
	case "":
		return m, errors.New("MP4 file has no sound track")
	case "enca":
		return m, errors.New("MP4 audio is encrypted (DRM)")
	default:
		return m, fmt.Errorf("unsupported MP4 audio codec %q", info.codec)
	}
	scale, dur := info.timescale, info.duration
	if scale == 0 || dur == 0 {
		scale, dur = info.mdhdScale, info.mdhdDur
	}
	if dur == 0 || scale == 0 {
		return m, errors.New("MP4 file gives no duration (in mvhd or the sound track's mdhd)")
	}
	if m.DurationMs, err = durationMs(dur, scale); err != nil {
		return m, err
	}
	if _, err := readTags(&m, mp4Keys, func() (tag.Metadata, error) {
		return tag.ReadAtoms(src.section(moov.start, moov.end))
	}); err != nil {
		return m, err
	}
	if info.track > 0 { // dhowden/tag keeps the low byte only
		m.TrackNumber = info.track
	}
	if info.disc > 0 {
		m.DiscNumber = info.disc
	}
	// dhowden/tag takes all of covr for the picture, which is wrong when it
	// holds more than one.
	if c := info.cover; c.typ != "" && c.end-c.body <= MaxCoverBytes+8 {
		data, err := src.read(c.body, c.end-c.body) // type, locale, image
		if err != nil {
			return m, err
		}
		mime := map[uint32]string{13: "image/jpeg", 14: "image/png", 27: "image/bmp"}[binary.BigEndian.Uint32(data)]
		m.Cover = picture(mime, data[8:])
	}
	return m, nil
}

// readMoov reads the movie header, the first sound track's codec and
// duration, and checks the metadata boxes (reading trkn and disk).
func (info *mp4Info) readMoov(src *source, moov mp4Box) error {
	return mp4Walk(src, moov.body, moov.end, func(b mp4Box) error {
		switch b.typ {
		case "mvhd":
			scale, dur, err := mp4Header(src, b)
			info.timescale, info.duration = scale, dur
			return err
		case "trak":
			if info.codec == "" {
				return info.readTrak(src, b)
			}
		case "udta", "meta", "ilst":
			return info.readMeta(src, b, "moov", 0)
		}
		return nil
	})
}

// readTrak reads a track's handler, and if it is a sound track its mdhd
// and sample entry type.
func (info *mp4Info) readTrak(src *source, trak mp4Box) error {
	var handler, codec string
	var scale, dur uint64
	err := mp4Path(src, trak, []string{"mdia"}, func(mdia mp4Box) error {
		return mp4Walk(src, mdia.body, mdia.end, func(b mp4Box) error {
			var err error
			switch b.typ {
			case "hdlr":
				var h []byte
				if h, err = src.read(b.body, min(12, b.end-b.body)); err == nil && len(h) == 12 {
					handler = string(h[8:12])
				}
			case "mdhd":
				scale, dur, err = mp4Header(src, b)
			case "minf":
				err = mp4Path(src, b, []string{"stbl", "stsd"}, func(stsd mp4Box) error {
					e, err := src.read(stsd.body, min(16, stsd.end-stsd.body))
					if err == nil && len(e) == 16 && binary.BigEndian.Uint32(e[4:]) > 0 {
						codec = string(e[12:16])
					}
					return err
				})
			}
			return err
		})
	})
	if err == nil && handler == "soun" {
		info.codec, info.mdhdScale, info.mdhdDur = codec, scale, dur
	}
	return err
}

// readMeta checks that the boxes dhowden/tag descends into (udta, meta,
// ilst and each ilst item) hold boxes that fit, so the tag library never
// reads a size this package has not checked; it keeps the 16-bit track and
// disc numbers of the trkn and disk items, and where the cover is, on the
// way.
func (info *mp4Info) readMeta(src *source, b mp4Box, parent string, depth int) error {
	if depth > 8 {
		return errors.New("MP4 metadata boxes nested too deep")
	}
	switch {
	case b.typ == "udta" || b.typ == "meta" || b.typ == "ilst":
		start := b.body
		if b.typ == "meta" {
			start += 4 // a full box: version and flags
		}
		return mp4Walk(src, min(start, b.end), b.end, func(c mp4Box) error {
			return info.readMeta(src, c, b.typ, depth+1)
		})
	case parent == "ilst":
		return mp4Walk(src, b.body, b.end, func(data mp4Box) error {
			if data.typ == "data" && b.typ == "covr" && info.cover.typ == "" && data.end-data.body > 8 {
				info.cover = data
			}
			if data.typ != "data" || (b.typ != "trkn" && b.typ != "disk") {
				return nil
			}
			d, err := src.read(data.body, min(12, data.end-data.body))
			if err != nil || len(d) < 12 { // type, locale, 0, number
				return err
			}
			if n := int(binary.BigEndian.Uint16(d[10:])); b.typ == "trkn" {
				info.track = n
			} else {
				info.disc = n
			}
			return nil
		})
	}
	return nil
}

// mp4Header reads the timescale and duration of an mvhd or mdhd box,
// version 0 or 1. An all-ones duration (unknown) reads as 0.
func mp4Header(src *source, b mp4Box) (scale, dur uint64, err error) {
	h, err := src.read(b.body, min(32, b.end-b.body))
	if err != nil {
		return 0, 0, err
	}
	switch {
	case len(h) >= 20 && h[0] == 0:
		scale, dur = uint64(binary.BigEndian.Uint32(h[12:])), uint64(binary.BigEndian.Uint32(h[16:]))
		if dur == math.MaxUint32 {
			dur = 0
		}
	case len(h) >= 32 && h[0] == 1:
		scale, dur = uint64(binary.BigEndian.Uint32(h[20:])), binary.BigEndian.Uint64(h[24:])
		if dur == math.MaxUint64 {
			dur = 0
		}
	default:
		return 0, 0, fmt.Errorf("invalid MP4 %s box", b.typ)
	}
	return scale, dur, nil
}

// mp4Path calls fn with each box reached from parent by the path of box
// types. A meta box is a full box: its children follow 4 bytes of version
// and flags.
func mp4Path(src *source, parent mp4Box, path []string, fn func(mp4Box) error) error {
	if len(path) == 0 {
		return fn(parent)
	}
	body := parent.body
	if parent.typ == "meta" {
		body += 4
	}
	return mp4Walk(src, min(body, parent.end), parent.end, func(b mp4Box) error {
		if b.typ != path[0] {
			return nil
		}
		return mp4Path(src, b, path[1:], fn)
	})
}

// mp4Walk calls fn with each box from start to end, checking that each
// fits: a size of 0 means "to end", 1 a 64-bit size after the type.
func mp4Walk(src *source, start, end int64, fn func(mp4Box) error) error {
	for off := start; off < end; {
		if end-off < 8 {
			if start > 0 {
				return nil // a few bytes of padding at the end of a container
			}
			return fmt.Errorf("partial MP4 box header at offset %d (truncated?)", off)
		}
		h, err := src.read(off, 8)
		if err != nil {
			return err
		}
		b := mp4Box{typ: string(h[4:8]), start: off, body: off + 8}
		size := int64(binary.BigEndian.Uint32(h))
		switch size {
		case 0:
			size = end - off
		case 1:
			x, err := src.read(off+8, min(8, end-off-8))
			if err != nil || len(x) < 8 {
				return fmt.Errorf("MP4 box %q at offset %d: 64-bit size %w", b.typ, off, errTruncated)
			}
			b.body += 8
			if binary.BigEndian.Uint64(x) > math.MaxInt64 {
				return fmt.Errorf("MP4 box %q at offset %d has an invalid size", b.typ, off)
			}
			size = int64(binary.BigEndian.Uint64(x))
		}
		if size < b.body-off {
			return fmt.Errorf("MP4 box %q at offset %d has an invalid size %d", b.typ, off, size)
		}
		if size > end-off {
			if end < src.size {
				return fmt.Errorf("MP4 box %q at offset %d (%d bytes) runs past the end of its parent box", b.typ, off, size)
			}
			return fmt.Errorf("MP4 box %q at offset %d (%d bytes) %w", b.typ, off, size, errTruncated)
		}
		b.end = off + size
		if err := fn(b); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}
