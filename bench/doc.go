// Package bench is Segue's load generator: it drives stateful, checked
// scenarios against running servers over HTTP and reports throughput and
// latency percentiles.
//
// The generator knows nothing of how servers are started: it takes base
// URLs (requests are spread round-robin over them), credentials, and an
// optional probe of the store's raw commit rate. cmd/segue's "bench"
// command provisions the store and starts the servers.
//
// Every response is checked, status and body, against what the session is
// known to hold: each session is owned by one worker, so the worker knows
// exactly which entry next must vend. A failed check is an error.
//
// Two load models are offered. Closed loop: N workers each send a
// request, wait for its answer, and repeat; throughput is what the server
// sustains, and latency excludes the time a request would have waited to
// be sent. The measure starts after the warmup, and not before every
// worker has had an answer; it ends after the duration, and not before
// every worker has had a measured answer. Open loop: requests are due at a constant rate R and latency is
// measured from the time each was due, so queueing delay is counted when
// the server falls behind (coordinated omission corrected). In-flight
// requests are capped at N; requests sent more than LateAfter after their
// due time are counted as late. Requests due before the end are sent even
// after it, until a drain deadline (the duration again, at least 1 s);
// those still unsent then are counted as dropped.
package bench
