// Package media signs and checks the expiring URLs through which clients
// fetch a track's audio from Segue's own media endpoint.
package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/segue/segue"
)

// DefaultTTL is how long a signed URL stays valid.
const DefaultTTL = time.Hour

// Signer signs media URLs with HMAC-SHA256 over the track id and expiry.
type Signer struct {
	Key []byte
	TTL time.Duration
	Now func() time.Time
}

func (s Signer) mac(trackID string, exp int64) string {
	m := hmac.New(sha256.New, s.Key)
	fmt.Fprintf(m, "media:v1:%s:%d", trackID, exp)
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the expiry (Unix seconds) and signature of a URL for trackID.
func (s Signer) Sign(trackID string) (exp int64, sig string) {
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	exp = s.Now().Add(ttl).Unix()
	return exp, s.mac(trackID, exp)
}

// Verify checks a signature and its expiry; it answers ACCESS_DENIED for
// a bad, missing or expired one.
func (s Signer) Verify(trackID, exp, sig string) error {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || sig == "" {
		return segue.Errorf(segue.EAccessDenied, "the media URL is not signed")
	}
	if !hmac.Equal([]byte(sig), []byte(s.mac(trackID, e))) {
		return segue.Errorf(segue.EAccessDenied, "the media URL's signature is not valid")
	}
	if s.Now().Unix() > e {
		return segue.Errorf(segue.EAccessDenied, "the media URL has expired; fetch the entity again for a fresh one")
	}
	return nil
}
