package library

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// coverPicker keeps the front cover (picture type 3) among the pictures it
// is offered, else the first.
type coverPicker struct {
	pic   *Picture
	front bool
}

func (c *coverPicker) offer(typ uint32, p *Picture) {
	if p == nil || c.front {
		return
	}
	if c.pic == nil || typ == 3 {
		c.pic, c.front = p, typ == 3
	}
}

// checkVorbisComment checks the structure of a Vorbis comment block (the
// body of FLAC's VORBIS_COMMENT, of OpusTags after its magic, of a Vorbis
// comment header after its magic), offering the pictures it embeds as
// METADATA_BLOCK_PICTURE to covers. With exact, no byte may follow the last
// comment. It rejects everything that dhowden/tag would choke on, so the
// tag library only ever parses blocks whose lengths add up.
func checkVorbisComment(b []byte, exact bool, covers *coverPicker) error {
	_, rest, err := lengthPrefixed(b, "vendor string")
	if err != nil {
		return err
	}
	if len(rest) < 4 {
		return errors.New("comment count runs past the end of the comment block")
	}
	n := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	for i := uint32(0); i < n; i++ { // each comment takes 4 bytes or more
		var c []byte
		if c, rest, err = lengthPrefixed(rest, fmt.Sprintf("comment %d of %d", i+1, n)); err != nil {
			return err
		}
		eq := bytes.IndexByte(c, '=')
		if eq < 0 {
			return fmt.Errorf("comment %d has no '='", i+1)
		}
		if !bytes.EqualFold(c[:eq], []byte("METADATA_BLOCK_PICTURE")) {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(string(c[eq+1:]))
		if err != nil {
			return fmt.Errorf("METADATA_BLOCK_PICTURE is not base64: %w", err)
		}
		typ, p, err := parsePictureBlock(data)
		if err != nil {
			return fmt.Errorf("METADATA_BLOCK_PICTURE: %w", err)
		}
		covers.offer(typ, p)
	}
	if exact && len(rest) != 0 {
		return fmt.Errorf("%d stray bytes after the last comment", len(rest))
	}
	return nil
}

// lengthPrefixed splits a 32-bit little-endian length and that many bytes,
// the field called what, off b.
func lengthPrefixed(b []byte, what string) (field, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%s: its length runs past the end of the comment block", what)
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("%s (%d bytes) runs past the end of the comment block", what, n)
	}
	return b[4 : 4+n], b[4+n:], nil
}

// parsePictureBlock parses a FLAC PICTURE block (also the content of a
// METADATA_BLOCK_PICTURE comment): the picture type and the image, nil
// when it is larger than MaxCoverBytes.
func parsePictureBlock(b []byte) (typ uint32, p *Picture, err error) {
	field := func(what string) ([]byte, error) {
		if len(b) < 4 {
			return nil, fmt.Errorf("picture %s runs past the end of the block", what)
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, fmt.Errorf("picture %s (%d bytes) runs past the end of the block", what, n)
		}
		f := b[4 : 4+n]
		b = b[4+n:]
		return f, nil
	}
	if len(b) < 4 {
		return 0, nil, errors.New("picture block too short")
	}
	typ = binary.BigEndian.Uint32(b)
	b = b[4:]
	if typ > 20 {
		return 0, nil, fmt.Errorf("invalid picture type %d", typ)
	}
	mime, err := field("MIME type")
	if err != nil {
		return 0, nil, err
	}
	if _, err := field("description"); err != nil {
		return 0, nil, err
	}
	if len(b) < 16 {
		return 0, nil, errors.New("picture dimensions run past the end of the block")
	}
	b = b[16:] // width, height, colour depth, number of colours
	data, err := field("data")
	if err != nil {
		return 0, nil, err
	}
	return typ, picture(string(mime), data), nil
}
