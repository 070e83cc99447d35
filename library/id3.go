package library

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// id3Tag is an ID3v2 tag at the start of the file.
type id3Tag struct {
	version byte  // 2, 3 or 4
	flags   byte  // the header's
	frames  int64 // the offset of the first byte after the frames and padding
	end     int64 // the offset of the first byte after the tag (and its footer)
}

// readID3v2Header reads the header of the ID3v2 tag at offset 0 and checks
// that the tag fits in the file.
func readID3v2Header(src *source) (id3Tag, error) {
	h, err := src.read(0, 10)
	if err != nil {
		return id3Tag{}, fmt.Errorf("ID3v2 header %w", err)
	}
	t := id3Tag{version: h[3], flags: h[5]}
	if t.version < 2 || t.version > 4 {
		return t, fmt.Errorf("unsupported ID3v2 version 2.%d", t.version)
	}
	var size int64
	for _, b := range h[6:10] {
		if b&0x80 != 0 {
			return t, fmt.Errorf("ID3v2 tag size % x is not syncsafe", h[6:10])
		}
		size = size<<7 | int64(b)
	}
	t.frames = 10 + size
	t.end = t.frames
	if t.version == 4 && h[5]&0x10 != 0 {
		t.end += 10 // a footer follows
	}
	if t.end > src.size {
		return t, fmt.Errorf("ID3v2 tag (%d bytes) %w", t.end, errTruncated)
	}
	return t, checkID3v2Frames(src, t)
}

// checkID3v2Frames checks that the extended header and every frame of the
// tag fit in it, as dhowden/tag reads them, so the tag library never
// allocates for a size past the tag. An unsynchronised tag is not checked:
// its frame sizes count decoded bytes.
func checkID3v2Frames(src *source, t id3Tag) error {
	if t.flags&0x80 != 0 {
		return nil
	}
	pos, end := int64(10), t.frames
	if t.flags&0x40 != 0 && t.version > 2 {
		b, err := src.read(pos, min(4, end-pos))
		if err != nil || len(b) < 4 {
			return errors.New("ID3v2 extended header runs past the end of the tag")
		}
		n := int64(binary.BigEndian.Uint32(b)) + 4 // 2.3: the size excludes itself
		if t.version == 4 {
			n = syncsafe(b)
		}
		if n < 4 || n > end-pos {
			return errors.New("ID3v2 extended header runs past the end of the tag")
		}
		pos += n
	}
	hdr := int64(10)
	if t.version == 2 {
		hdr = 6
	}
	for pos+hdr <= end {
		h, err := src.read(pos, hdr)
		if err != nil {
			return err
		}
		if h[0] == 0 {
			return nil // padding
		}
		id, n := string(h[:4]), int64(0)
		switch t.version {
		case 2:
			id, n = string(h[:3]), int64(h[3])<<16|int64(h[4])<<8|int64(h[5])
		case 3:
			n = int64(binary.BigEndian.Uint32(h[4:]))
		case 4:
			n = syncsafe(h[4:8])
		}
		if n > end-pos-hdr {
			if !id3FrameID(id) {
				return nil // garbage in the padding, which dhowden/tag skips too
			}
			return fmt.Errorf("ID3v2 frame %q (%d bytes) runs past the end of the tag", id, n)
		}
		if t.version == 4 && h[9]&1 != 0 && n >= 4 { // a data length indicator: dhowden/tag reads that many bytes
			b, err := src.read(pos+hdr, 4)
			if err != nil {
				return err
			}
			if syncsafe(b) > n-4 {
				return fmt.Errorf("ID3v2 frame %q: data length %d runs past the frame", id, syncsafe(b))
			}
		}
		pos += hdr + n
	}
	return nil
}

// syncsafe decodes 7 bits of each byte, as dhowden/tag does (without
// checking the high bits).
func syncsafe(b []byte) int64 {
	var n int64
	for _, x := range b {
		n = n<<7 | int64(x)
	}
	return n
}

// id3FrameID reports whether id is made of capital letters and digits.
func id3FrameID(id string) bool {
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
