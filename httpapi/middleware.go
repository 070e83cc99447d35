package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
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

func loggerFrom(r *http.Request) *slog.Logger {
	l, _ := r.Context().Value(loggerKey).(*slog.Logger)
	return l
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
		log := s.Logger.With("request_id", id)
		r = r.WithContext(context.WithValue(r.Context(), loggerKey, log))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", p)
				if rec.status == 0 {
					writeError(rec, r, &segue.Error{Code: segue.EInternal, Message: "internal error"})
				}
			}
			took := time.Since(start)
			log.Info("request", "method", r.Method, "path", r.URL.Path, "route", r.Pattern,
				"status", rec.status, "duration_ms", float64(took.Microseconds())/1000)
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
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	})
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
