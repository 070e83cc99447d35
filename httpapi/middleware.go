package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/playback"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	loggerKey
)

// requestLog is what a request's logger is made from, when a handler
// needs one: most requests log only their one line, and making a logger
// with the request id costs as much as writing it.
type requestLog struct {
	base *slog.Logger
	id   string
}

// loggerFrom returns the request's logger, which adds its request id, or
// nil outside observe.
func loggerFrom(r *http.Request) *slog.Logger {
	rl, _ := r.Context().Value(loggerKey).(*requestLog)
	if rl == nil {
		return nil
	}
	return rl.base.With("request_id", rl.id)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// requestID returns the client's X-Request-Id if it is a sane token, or a
// new random one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && checkHeaderID("X-Request-Id", id) == nil {
		return id
	}
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// observe gives every request an id, logs it when it ends (without its
// query string, which may carry a media signature, and without headers),
// and turns a panic into a 500 with the JSON envelope.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), loggerKey, &requestLog{s.Logger, id}))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p)
				if rec.status == 0 {
					writeError(rec, r, &segue.Error{Code: segue.EInternal, Message: "internal error"})
				}
			}
			took := time.Since(start)
			s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", id),
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", r.Pattern),
				slog.Int("status", rec.status), slog.Float64("duration_ms", float64(took.Microseconds())/1000))
			if s.Metrics != nil {
				s.Metrics.observe(r.Pattern, r.Method, rec.status, took)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// authenticate admits a request with a registered x-api-key and a valid
// bearer token carrying the playback scope.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Auth.Authenticate(r.Context(), r.Header.Get("x-api-key"), r.Header.Get("Authorization"))
		if err != nil {
			if statusOf(segue.ErrorCode(err)) == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="segue"`)
			}
			writeError(w, r, err)
			return
		}
		ctx, err := preconditions(w, r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey, p)))
	})
}

// preconditions puts the request's If-Match and Idempotency-Key in its
// context. The key's fingerprint covers the method, path, query and body,
// so the same key with another request is told apart.
func preconditions(w http.ResponseWriter, r *http.Request) (context.Context, error) {
	ctx := r.Context()
	if m := r.Header.Get("If-Match"); m != "" {
		v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m, "W/"), `"`), 10, 64)
		if err != nil || v < 1 {
			return nil, segue.Errorf(segue.EBadRequest, "If-Match: must be an ETag this server gave, such as \"3\"")
		}
		ctx = playback.WithIfMatch(ctx, v)
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return ctx, nil
	}
	if len(key) > 255 || checkHeaderID("Idempotency-Key", strings.ReplaceAll(key, " ", "_")) != nil {
		return nil, segue.Errorf(segue.EBadRequest, "Idempotency-Key: 1 to 255 printable characters")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCreateBody))
	if err != nil {
		return nil, decodeError(err, maxCreateBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	fmt.Fprintf(h, "%s %s?%s\n", r.Method, r.URL.Path, r.URL.RawQuery)
	h.Write(body)
	return playback.WithIdempotencyKey(ctx, key, hex.EncodeToString(h.Sum(nil))), nil
}

// setETag names the session version an answer shows.
func setETag(w http.ResponseWriter, v *playback.View) {
	w.Header().Set("ETag", `"`+strconv.FormatInt(v.Session.Version, 10)+`"`)
}

// listener returns who asks, with the device the request names.
func listener(r *http.Request) (playback.Listener, error) {
	p, _ := r.Context().Value(principalKey).(auth.Principal)
	dev := r.Header.Get("X-Amzn-Device-Id")
	if err := checkHeaderID("X-Amzn-Device-Id", dev); err != nil {
		return playback.Listener{}, err
	}
	return playback.Listener{UserID: p.User.ID, Tier: p.User.Tier, MaxStreams: p.User.MaxStreams, DeviceID: dev}, nil
}
