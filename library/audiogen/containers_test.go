package audiogen_test

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"
	"time"

	"github.com/segue/segue/library/audiogen"
)

// These tests check the containers' structure with parsers of their own
// (bit by bit CRCs, not the generators' tables), independent of package
// library.

func TestFLAC_Structure(t *testing.T) {
	b := audiogen.FLAC(tagged(2 * time.Second))
	if string(b[:4]) != "fLaC" || b[4] != 0 || b[5] != 0 || b[6] != 0 || b[7] != 34 {
		t.Fatalf("no STREAMINFO first: % x", b[:8])
	}
	si := b[8:42]
	minBlock, maxBlock := binary.BigEndian.Uint16(si), binary.BigEndian.Uint16(si[2:])
	minFrame, maxFrame := int(si[4])<<16|int(si[5])<<8|int(si[6]), int(si[7])<<16|int(si[8])<<8|int(si[9])
	x := binary.BigEndian.Uint64(si[10:])
	rate, channels, bits, total := x>>44, x>>41&7+1, x>>36&31+1, x&(1<<36-1)
	if minBlock != 4096 || maxBlock != 4096 || rate != 44100 || channels != 1 || bits != 16 || total != 88200 {
		t.Errorf("STREAMINFO: blocks %d..%d, %d Hz, %d channels, %d bits, %d samples", minBlock, maxBlock, rate, channels, bits, total)
	}
	if want := md5.Sum(make([]byte, 2*total)); !bytes.Equal(si[18:], want[:]) {
		t.Error("STREAMINFO MD5 is not that of silence")
	}
	off := 4
	for last := false; !last; {
		last = b[off]&0x80 != 0
		off += 4 + (int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3]))
	}
	var samples uint64
	for n := 0; off < len(b); n++ {
		f := b[off:]
		if f[0] != 0xFF || f[1] != 0xF8 || f[2]&0x0F != 9 || f[3] != 0x08 {
			t.Fatalf("frame %d header % x", n, f[:4])
		}
		i, num := 4, int(f[4])
		if f[4] >= 0x80 { // frame numbers here need at most 2 bytes
			i, num = 5, int(f[4]&0x1F)<<6|int(f[5]&0x3F)
		}
		i++
		block := 4096
		if f[2]>>4 == 7 {
			block = int(binary.BigEndian.Uint16(f[i:])) + 1
			i += 2
		}
		if num != n || crcMSB(f[:i], 8, 0x07) != uint64(f[i]) {
			t.Fatalf("frame %d: number %d, CRC-8 %02x", n, num, f[i])
		}
		i++
		if !bytes.Equal(f[i:i+3], []byte{0, 0, 0}) { // CONSTANT subframe of 0
			t.Fatalf("frame %d subframe % x", n, f[i:i+3])
		}
		i += 3
		if crcMSB(f[:i], 16, 0x8005) != uint64(binary.BigEndian.Uint16(f[i:])) {
			t.Fatalf("frame %d: CRC-16 mismatch", n)
		}
		if i+2 < minFrame || i+2 > maxFrame {
			t.Errorf("frame %d: %d bytes, outside %d..%d", n, i+2, minFrame, maxFrame)
		}
		samples += uint64(block)
		off += i + 2
	}
	if samples != total {
		t.Errorf("frames hold %d samples, STREAMINFO says %d", samples, total)
	}
}

func TestMP3_Structure(t *testing.T) {
	b := audiogen.MP3(tagged(time.Second))
	if string(b[:5]) != "ID3\x04\x00" {
		t.Fatalf("no ID3v2.4 header: %q", b[:5])
	}
	off := 10 + (int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9]))
	stream := b[off:]
	if len(stream)%96 != 0 {
		t.Fatalf("%d bytes of frames, not a multiple of 96", len(stream))
	}
	for i := 0; i < len(stream); i += 96 {
		if !bytes.Equal(stream[i:i+4], []byte{0xFF, 0xFB, 0x14, 0xC0}) {
			t.Fatalf("frame %d header % x", i/96, stream[i:i+4])
		}
	}
	info := stream[4+17:]
	if string(info[:4]) != "Info" || binary.BigEndian.Uint32(info[4:]) != 3 {
		t.Fatalf("Info header %q", info[:8])
	}
	if frames := binary.BigEndian.Uint32(info[8:]); int(frames) != len(stream)/96-1 || frames != 42 {
		t.Errorf("Info says %d frames, the stream has %d after it (want 42: 1 s in 24 ms frames)", frames, len(stream)/96-1)
	}
	if size := binary.BigEndian.Uint32(info[12:]); int(size) != len(stream) {
		t.Errorf("Info says %d bytes, the stream has %d", size, len(stream))
	}
}

func TestOpus_Structure(t *testing.T) {
	b := audiogen.Opus(tagged(1500 * time.Millisecond))
	var packets [][]byte
	var pkt []byte
	var seq uint32
	var granule uint64
	for off := 0; off < len(b); seq++ {
		p := b[off:]
		nseg := int(p[26])
		size := 27 + nseg
		for _, s := range p[27 : 27+nseg] {
			size += int(s)
		}
		page := bytes.Clone(p[:size])
		crc := binary.LittleEndian.Uint32(page[22:])
		copy(page[22:], []byte{0, 0, 0, 0})
		flags, last := p[5], off+size == len(b)
		switch {
		case string(p[:5]) != "OggS\x00":
			t.Fatalf("page %d: no capture pattern", seq)
		case crcMSB(page, 32, 0x04c11db7) != uint64(crc) || crc32.ChecksumIEEE(page) == crc:
			t.Fatalf("page %d: CRC %08x is not Ogg's", seq, crc)
		case binary.LittleEndian.Uint32(p[18:]) != seq:
			t.Fatalf("page %d: sequence number %d", seq, binary.LittleEndian.Uint32(p[18:]))
		case flags&2 != 0 != (seq == 0), flags&4 != 0 != last:
			t.Fatalf("page %d of %d: flags %x", seq, len(b), flags)
		}
		if g := binary.LittleEndian.Uint64(p[6:]); g != ^uint64(0) {
			if g < granule {
				t.Fatalf("page %d: granule %d goes back from %d", seq, g, granule)
			}
			granule = g
		}
		body := p[27+nseg : size]
		for _, s := range p[27 : 27+nseg] {
			pkt, body = append(pkt, body[:s]...), body[s:]
			if s < 255 {
				packets, pkt = append(packets, pkt), nil
			}
		}
		off += size
	}
	head := packets[0]
	if string(head[:8]) != "OpusHead" || head[8] != 1 || head[9] != 1 ||
		binary.LittleEndian.Uint16(head[10:]) != 312 || binary.LittleEndian.Uint32(head[12:]) != 48000 {
		t.Errorf("OpusHead % x", head)
	}
	if !bytes.HasPrefix(packets[1], []byte("OpusTags")) || !bytes.Contains(packets[1], []byte("ISRC=USRC17607839")) ||
		!bytes.Contains(packets[1], []byte("METADATA_BLOCK_PICTURE=")) {
		t.Errorf("OpusTags %q", packets[1])
	}
	for i, p := range packets[2:] {
		if !bytes.Equal(p, []byte{0xF8, 0xFF, 0xFE}) {
			t.Fatalf("audio packet %d: % x", i, p)
		}
	}
	if audio := packets[2:]; granule != 312+72000 || uint64(len(audio)*960) < granule || uint64(len(audio)-1)*960 >= granule {
		t.Errorf("last granule %d, %d packets of 960; want 312 + 72000 samples, in the last packet", granule, len(audio))
	}
}

func TestM4A_Structure(t *testing.T) {
	b := audiogen.M4A(tagged(2 * time.Second))
	top := boxes(t, b)
	if len(top) != 3 || top[0].typ != "ftyp" || top[1].typ != "moov" || top[2].typ != "mdat" {
		t.Fatalf("top-level boxes %v, want ftyp moov mdat", top)
	}
	if string(top[0].body[:4]) != "M4A " {
		t.Errorf("brand %q", top[0].body[:4])
	}
	moov, mdat := top[1].body, top[2]
	mvhd := find(t, moov, "mvhd")
	if scale, dur := binary.BigEndian.Uint32(mvhd[12:]), binary.BigEndian.Uint32(mvhd[16:]); scale != 44100 || dur != 88200 {
		t.Errorf("mvhd: %d / %d, want 88200 / 44100", dur, scale)
	}
	trak := find(t, moov, "trak")
	if elst := find(t, find(t, trak, "edts"), "elst"); binary.BigEndian.Uint32(elst[8:]) != 88200 {
		t.Errorf("edit list plays %d samples, want 88200", binary.BigEndian.Uint32(elst[8:]))
	}
	mdia := find(t, trak, "mdia")
	if h := find(t, mdia, "hdlr"); string(h[8:12]) != "soun" {
		t.Errorf("handler %q", h[8:12])
	}
	stbl := find(t, find(t, mdia, "minf"), "stbl")
	stsd := find(t, stbl, "stsd")
	if !bytes.Contains(stsd, []byte("mp4a")) || !bytes.Contains(stsd, []byte{0x05, 0x02, 0x12, 0x08}) {
		t.Errorf("stsd has no mp4a entry with an AAC-LC 44.1 kHz mono config: % x", stsd)
	}
	stts, stsz, stco := find(t, stbl, "stts"), find(t, stbl, "stsz"), find(t, stbl, "stco")
	count, size := binary.BigEndian.Uint32(stsz[8:]), binary.BigEndian.Uint32(stsz[4:])
	if n, delta := binary.BigEndian.Uint32(stts[8:]), binary.BigEndian.Uint32(stts[12:]); n != count || delta != 1024 || n*delta < 88200 || (n-1)*delta >= 88200 {
		t.Errorf("stts: %d × %d samples, stsz: %d", n, delta, count)
	}
	if int(count*size) != len(mdat.body) || int(binary.BigEndian.Uint32(stco[8:])) != mdat.start+8 {
		t.Errorf("samples %d × %d at %d; mdat holds %d bytes at %d", count, size, binary.BigEndian.Uint32(stco[8:]), len(mdat.body), mdat.start+8)
	}
	ilst := find(t, find(t, find(t, moov, "udta"), "meta")[4:], "ilst")
	var items []string
	for _, it := range boxes(t, ilst) {
		items = append(items, it.typ)
	}
	if got := fmt.Sprint(items); got != "[\xa9nam \xa9ART aART \xa9alb \xa9gen \xa9day trkn disk covr ----]" {
		t.Errorf("ilst items %q", got)
	}
}

type mp4Box struct {
	typ   string
	start int
	body  []byte
}

// boxes splits b into boxes, which must fill it exactly.
func boxes(t *testing.T, b []byte) []mp4Box {
	t.Helper()
	var bs []mp4Box
	for off := 0; off < len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		if n < 8 || off+n > len(b) {
			t.Fatalf("box at %d: size %d of %d", off, n, len(b)-off)
		}
		bs = append(bs, mp4Box{string(b[off+4 : off+8]), off, b[off+8 : off+n]})
		off += n
	}
	return bs
}

// find returns the content of the first child of type typ in b.
func find(t *testing.T, b []byte, typ string) []byte {
	t.Helper()
	for _, x := range boxes(t, b) {
		if x.typ == typ {
			return x.body
		}
	}
	t.Fatalf("no %q box", typ)
	return nil
}

// crcMSB is a bit-by-bit, most significant bit first CRC of width bits
// with initial value 0.
func crcMSB(b []byte, width uint, poly uint64) uint64 {
	var c uint64
	top, mask := uint64(1)<<(width-1), uint64(1)<<width-1
	for _, x := range b {
		c ^= uint64(x) << (width - 8)
		for range 8 {
			if c&top != 0 {
				c = (c<<1 ^ poly) & mask
			} else {
				c = c << 1 & mask
			}
		}
	}
	return c
}
