package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// listeningRe finds the address in the line "segue serve" prints first.
var listeningRe = regexp.MustCompile(`listening on (https?://\S+)`)

// Server is a server process the bench started.
type Server struct {
	URL  string
	cmd  *exec.Cmd
	done chan error // gets the process's exit
	log  string
}

// StartServer starts exe with args and env, its stderr going to the file
// logPath, and waits (up to timeout) for it to print "listening on URL" on
// its stdout.
func StartServer(ctx context.Context, exe string, args, env []string, logPath string, timeout time.Duration) (*Server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(exe, args...)
	cmd.Env, cmd.Stderr = env, logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", exe, err)
	}
	s := &Server{cmd: cmd, done: make(chan error, 1), log: logPath}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listeningRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
		s.done <- cmd.Wait()
	}()
	select {
	case s.URL = <-urls:
		return s, nil
	case err := <-s.done:
		s.done <- err
		return nil, fmt.Errorf("bench: server exited before it listened (%v): %s", err, s.logTail())
	case <-time.After(timeout):
		s.Stop()
		return nil, fmt.Errorf("bench: server did not listen within %s: %s", timeout, s.logTail())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// logTail returns the end of the server's log.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log)
	t := strings.TrimSpace(string(b))
	if len(t) > 2000 {
		t = "…" + t[len(t)-2000:]
	}
	if t == "" {
		return "(empty log)"
	}
	return t
}

// Stop asks the server to stop (SIGINT, which it takes as a graceful
// shutdown), kills it if it has not stopped within 20 s, and waits for it.
func (s *Server) Stop() error {
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		s.cmd.Process.Kill()
	}
	select {
	case err := <-s.done:
		s.done <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("bench: server %s: %v: %s", s.URL, err, s.logTail())
		}
		return err
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		err := <-s.done
		s.done <- err
		return fmt.Errorf("bench: server %s did not stop within 20 s; killed", s.URL)
	}
}

// StartServers starts n servers, each as StartServer with its log in
// dir/server-I.log, at once, and returns those that started. The children
// get the environment without any SEGUE_ setting, so that only args
// decide, plus SEGUE_BENCH_CHILD=1, which makes a test binary that stands
// in for segue act as segue.
func StartServers(ctx context.Context, n int, exe string, args []string, dir string) ([]*Server, error) {
	env := []string{"SEGUE_BENCH_CHILD=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SEGUE_") {
			env = append(env, kv)
		}
	}
	var (
		mu      sync.Mutex
		servers []*Server
		errs    []error
		wg      sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			s, err := StartServer(ctx, exe, args, env, filepath.Join(dir, fmt.Sprintf("server-%d.log", i)), time.Minute)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				servers = append(servers, s)
			}
		})
	}
	wg.Wait()
	return servers, errors.Join(errs...)
}
