package media_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/media"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestSigner_Sign(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{"DefaultWhenZero", 0, time.Hour},
		{"DefaultWhenNegative", -time.Minute, time.Hour},
		{"Explicit", 5 * time.Minute, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t0}
			s := media.Signer{Key: []byte("k"), TTL: tt.ttl, Now: c.Now}
			exp, sig := s.Sign("B0CT000001")
			if want := t0.Add(tt.want).Unix(); exp != want {
				t.Errorf("exp = %d, want %d (now + %v)", exp, want, tt.want)
			}
			if len(sig) != 64 {
				t.Errorf("sig = %q, want 64 hex characters", sig)
			}
			if _, err := strconv.ParseUint(sig[:16], 16, 64); err != nil {
				t.Errorf("sig %q is not hex", sig)
			}
		})
	}
	if media.DefaultTTL != time.Hour {
		t.Errorf("DefaultTTL = %v, want 1h", media.DefaultTTL)
	}
}

func TestSigner_SignDeterministic(t *testing.T) {
	c := &clock{t0}
	s := media.Signer{Key: []byte("k"), Now: c.Now}
	e1, s1 := s.Sign("B0CT000001")
	e2, s2 := s.Sign("B0CT000001")
	if e1 != e2 || s1 != s2 {
		t.Errorf("same input signed twice: (%d, %s) and (%d, %s)", e1, s1, e2, s2)
	}
	if _, s3 := s.Sign("B0CT000002"); s3 == s1 {
		t.Errorf("two track ids have the same signature %s", s1)
	}
	other := media.Signer{Key: []byte("other"), Now: c.Now}
	if _, s4 := other.Sign("B0CT000001"); s4 == s1 {
		t.Errorf("two keys give the same signature %s", s1)
	}
}

func TestSigner_Verify(t *testing.T) {
	key := []byte("media-key")
	c := &clock{t0}
	s := media.Signer{Key: key, Now: c.Now}
	const track = "B0CT000001"
	exp, sig := s.Sign(track)
	expStr := strconv.FormatInt(exp, 10)

	tests := []struct {
		name    string
		signer  media.Signer
		now     time.Time
		track   string
		exp     string
		sig     string
		allowed bool
	}{
		{"Valid", s, t0, track, expStr, sig, true},
		{"ValidHalfWay", s, t0.Add(30 * time.Minute), track, expStr, sig, true},
		{"ValidAtExpiry", s, t0.Add(time.Hour), track, expStr, sig, true},
		{"Expired", s, t0.Add(time.Hour + time.Second), track, expStr, sig, false},
		{"ExpiredLongAgo", s, t0.Add(48 * time.Hour), track, expStr, sig, false},
		{"OtherTrack", s, t0, "B0CT000002", expStr, sig, false},
		{"ChangedExp", s, t0, track, strconv.FormatInt(exp+3600, 10), sig, false},
		{"ChangedExpEarlier", s, t0, track, strconv.FormatInt(exp-1, 10), sig, false},
		{"TamperedSig", s, t0, track, expStr, flip(sig), false},
		{"TruncatedSig", s, t0, track, expStr, sig[:63], false},
		{"UppercaseSig", s, t0, track, expStr, upper(sig), false},
		{"EmptySig", s, t0, track, expStr, "", false},
		{"EmptyExp", s, t0, track, "", sig, false},
		{"NonNumericExp", s, t0, track, "soon", sig, false},
		{"FloatExp", s, t0, track, expStr + ".0", sig, false},
		{"OtherKey", media.Signer{Key: []byte("another-key"), Now: c.Now}, t0, track, expStr, sig, false},
		{"NoKey", media.Signer{Now: c.Now}, t0, track, expStr, sig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = tt.now
			err := tt.signer.Verify(tt.track, tt.exp, tt.sig)
			if tt.allowed {
				if err != nil {
					t.Fatalf("Verify: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify(%q, %q, %q) at %v = nil, want ACCESS_DENIED", tt.track, tt.exp, tt.sig, tt.now)
			}
			if code := segue.ErrorCode(err); code != segue.EAccessDenied {
				t.Errorf("Verify code = %s, want %s (%v)", code, segue.EAccessDenied, err)
			}
		})
	}
}

// TestSigner_ExpiredSignatureForFutureExp checks that a URL signed with a
// short TTL cannot be stretched by a client that edits exp.
func TestSigner_ExpiredSignatureForFutureExp(t *testing.T) {
	c := &clock{t0}
	s := media.Signer{Key: []byte("k"), TTL: time.Minute, Now: c.Now}
	exp, sig := s.Sign("B0CT000001")
	c.t = t0.Add(2 * time.Minute)
	if err := s.Verify("B0CT000001", strconv.FormatInt(exp, 10), sig); segue.ErrorCode(err) != segue.EAccessDenied {
		t.Errorf("expired: Verify = %v, want ACCESS_DENIED", err)
	}
	later := strconv.FormatInt(c.t.Add(time.Hour).Unix(), 10)
	if err := s.Verify("B0CT000001", later, sig); segue.ErrorCode(err) != segue.EAccessDenied {
		t.Errorf("exp moved forward: Verify = %v, want ACCESS_DENIED", err)
	}
	// A fresh signature at the new time verifies.
	exp2, sig2 := s.Sign("B0CT000001")
	if err := s.Verify("B0CT000001", strconv.FormatInt(exp2, 10), sig2); err != nil {
		t.Errorf("fresh signature: Verify = %v", err)
	}
}

func flip(sig string) string {
	b := []byte(sig)
	if b[0] == '0' {
		b[0] = '1'
	} else {
		b[0] = '0'
	}
	return string(b)
}

func upper(sig string) string {
	b := []byte(sig)
	changed := false
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
			changed = true
		}
	}
	if !changed { // all digits: make it differ anyway
		return flip(sig)
	}
	return string(b)
}
