package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// client sends requests round-robin over the targets' base URLs.
type client struct {
	http   *http.Client
	urls   []string
	apiKey string
	next   atomic.Uint64
}

func newClient(urls []string, apiKey string, conns int, hc *http.Client) *client {
	if hc == nil {
		tr := &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        4 * conns * len(urls),
			MaxIdleConnsPerHost: 2 * conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		}
		hc = &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	}
	trimmed := make([]string, len(urls))
	for i, u := range urls {
		trimmed[i] = strings.TrimRight(u, "/")
	}
	return &client{http: hc, urls: trimmed, apiKey: apiKey}
}

// call is one request as a listener's device sends it.
type call struct {
	method, path string
	token        string // bearer token; empty for unauthenticated endpoints
	device       string // X-Amzn-Device-Id
	body         []byte // JSON, or nil
}

// answer is a response, read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
	sent   time.Time // when the request was handed to the transport
	done   time.Time // when the last byte of the body was read
}

// do sends c to the next target and reads the whole answer. A transport
// error is returned as an error; any status is an answer.
func (cl *client) do(ctx context.Context, c call) (*answer, error) {
	base := cl.urls[int(cl.next.Add(1)-1)%len(cl.urls)]
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, base+c.path, rd)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("x-api-key", cl.apiKey)
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.device != "" {
		req.Header.Set("X-Amzn-Device-Id", c.device)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	a := &answer{sent: time.Now()}
	res, err := cl.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.method, c.path, err)
	}
	a.body, err = io.ReadAll(res.Body)
	res.Body.Close()
	a.done = time.Now()
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", c.method, c.path, err)
	}
	a.status, a.header = res.StatusCode, res.Header
	return a, nil
}

func (cl *client) close() {
	cl.http.CloseIdleConnections()
}
