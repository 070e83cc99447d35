package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestClient checks the lean HTTP/1.1 client against a net/http server:
// answers with a length and chunked ones are read whole, bodies and
// headers arrive, a connection is kept for the next request, and one the
// server ends (Connection: close) is not used again.
func TestClient(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			for i := range 3 {
				io.WriteString(w, strings.Repeat(string(rune('a'+i)), 5000))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		default:
			w.Header().Set("X-Got", r.Method+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Content-Type")+" "+string(body))
			w.WriteHeader(201)
			io.WriteString(w, "ok")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	cl, err := newClient([]string{srv.URL + "/"}, "key")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.close()
	ctx := context.Background()

	a, err := cl.do(ctx, call{method: "POST", path: "/x", token: "tok", body: []byte(`{"a":1}`)})
	if err != nil || a.status != 201 || string(a.body) != "ok" ||
		a.header.Get("X-Got") != `POST Bearer tok application/json {"a":1}` || a.done.Before(a.sent) {
		t.Fatalf("POST: %+v, %v", a, err)
	}
	a, err = cl.do(ctx, call{method: "GET", path: "/chunked"})
	if err != nil || a.status != 200 || len(a.body) != 15000 || a.body[14999] != 'c' {
		t.Fatalf("chunked: status %d, %d bytes, %v", a.status, len(a.body), err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 2 requests in a row; want 1, kept alive", n)
	}
	for range 2 {
		if a, err = cl.do(ctx, call{method: "GET", path: "/close"}); err != nil || string(a.body) != "bye" {
			t.Fatalf("close: %+v, %v", a, err)
		}
	}
	if a, err = cl.do(ctx, call{method: "GET", path: "/x"}); err != nil || a.status != 201 {
		t.Fatalf("after close: %+v, %v", a, err)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections; want 3: each Connection: close ends one", n)
	}
	if _, err := newClient([]string{"ftp://x"}, "key"); err == nil {
		t.Error("newClient(ftp://x) succeeded")
	}
}
