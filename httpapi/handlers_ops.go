package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/segue/segue"
)

func (s *Server) healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func (s *Server) readyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if s.Ready != nil {
			if err := s.Ready(ctx); err != nil {
				loggerFrom(r).Warn("not ready", "err", err)
				_, body := errorJSON(segue.Errorf(segue.EUnavailable, "the store does not answer"), w.Header().Get("X-Request-Id"))
				body.Status = "503"
				writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": body})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func (s *Server) metrics() http.Handler {
	if s.Metrics == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, segue.Errorf(segue.ENotFound, "metrics are not enabled"))
		})
	}
	return s.Metrics.handler()
}

func (s *Server) openapi() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(s.OpenAPI)
	})
}

var contentTypes = map[string]string{
	"MP3": "audio/mpeg", "AAC": "audio/mp4", "ALAC": "audio/mp4", "MP4": "video/mp4", "FLAC": "audio/flac",
	"OPUS": "audio/ogg", "VORBIS": "audio/ogg", "OGG": "audio/ogg",
}

// cover serves an album's cover image. Covers are not secret, so it needs
// no credentials; the ETag lets clients revalidate cheaply.
func (s *Server) cover() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Catalog.Cover(r.Context(), r.PathValue("albumId"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		sum := sha256.Sum256(c.Data)
		w.Header().Set("Content-Type", c.MIMEType)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(c.Data))
	})
}

// coverURL is the URL of an album's cover.
func (s *Server) coverURL(albumID string) string {
	return s.BaseURL + "/v1/media/albums/" + url.PathEscape(albumID) + "/cover"
}

// images lists an album's cover, if it has one.
func (s *Server) images(albumID string, hasCover bool) []imageJSON {
	if !hasCover {
		return []imageJSON{}
	}
	return []imageJSON{{URL: s.coverURL(albumID)}}
}

// media serves a track's audio to whoever holds a valid signed URL.
func (s *Server) media() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("trackId")
		q := r.URL.Query()
		if err := s.Signer.Verify(id, q.Get("exp"), q.Get("sig")); err != nil {
			writeError(w, r, err)
			return
		}
		tracks, err := s.Catalog.Tracks(r.Context(), []string{id})
		if err != nil {
			writeError(w, r, err)
			return
		}
		t, ok := tracks[id]
		if !ok {
			writeError(w, r, segue.Errorf(segue.ENotFound, "no track %s", id))
			return
		}
		if t.AudioPath == "" {
			writeError(w, r, segue.Errorf(segue.ENotFound, "track %s has no audio on this server yet", id))
			return
		}
		f, err := os.Open(t.AudioPath)
		if err != nil {
			writeError(w, r, segue.Errorf(segue.ENotFound, "the audio of track %s is missing", id))
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			writeError(w, r, err)
			return
		}
		if ct, ok := contentTypes[t.Format]; ok {
			w.Header().Set("Content-Type", ct)
		}
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}
