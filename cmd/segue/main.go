// Command segue is the Segue server and its admin commands: serve, users,
// keys, tokens, catalog import, library scan, bench and migrate. main only calls run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the garbage collector's target (GOGC) for serve and bench
// when GOGC is not set. A server's live heap is small (tens of MB) and
// each request allocates a few tens of KB, so at Go's default of 100 the
// collector ran dozens of times a second under load; at 400, next ran
// about 13% faster on the bench (BENCHMARKS.md), for a heap that may
// reach five times the live data instead of twice.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" && len(os.Args) > 1 && (os.Args[1] == "serve" || os.Args[1] == "bench") {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "segue:", err)
		os.Exit(1)
	}
}

const usage = `usage: segue COMMAND [flags]

commands:
  serve                                   run the server (default: 127.0.0.1:8080, data in ./segue-data)
  users create NAME [--tier UNLIMITED|PRIME|FREE] [--streams N] [--json]
  keys create NAME [--json]               register a security profile (x-api-key)
  keys disable NAME | keys enable NAME
  tokens create --user NAME [--ttl 1h] [--scope music::playback] [--json]
  catalog import FILE.json [--json]       add or update catalog items from a JSON file (README: "Bring your own catalog")
  library scan DIR [--json]               add, update or retire tracks from the audio files under DIR (FLAC, MP3, Ogg/Opus, M4A)
  library sample DIR                      write a few small generated, tagged audio files to DIR to try the scan
  migrate                                 create or upgrade the data folder's database
  bench [--suite] [--scenarios LIST]      load-test checked scenarios and print req/s and latency percentiles (BENCHMARKS.md)

Every command takes --data DIR (or SEGUE_DATA), or --db postgres://... (or SEGUE_DB).
Run "segue COMMAND -h" for its flags.
`

// run is the whole program: it parses args and runs one command until ctx
// ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 {
		sub = rest[0]
	}
	switch {
	case cmd == "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case cmd == "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case cmd == "users" && sub == "create":
		return usersCreate(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "keys" && sub == "create":
		return keysCreate(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "keys" && (sub == "disable" || sub == "enable"):
		return keysSetDisabled(ctx, rest[1:], sub == "disable", getenv, stdout, stderr)
	case cmd == "tokens" && sub == "create":
		return tokensCreate(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "bench":
		return benchCmd(ctx, rest, getenv, stdout, stderr)
	case cmd == "catalog" && sub == "import":
		return catalogImport(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "library" && sub == "scan":
		return libraryScan(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "library" && sub == "sample":
		return librarySample(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0]+" "+sub)
}
