package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Result is what one scenario (or the commit probe) measured.
type Result struct {
	Scenario string `json:"scenario"`
	// Label names the system under test or the variant.
	Label string `json:"label,omitempty"`
	// Mode is closed, open, or probe (the raw commit rate).
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"` // open loop: requests due per second
	Sessions    int     `json:"sessions,omitempty"`
	Queue       int     `json:"queue,omitempty"` // entries per session
	// Seconds is the measured time: from the start of the measure to its
	// last answer (for an open loop, at least the duration).
	Seconds float64 `json:"seconds"`
	// Requests are the measured requests: those sent within the measure
	// (closed loop), or due within it (open loop); the probe's are commits.
	Requests  int64   `json:"requests"`
	PerSecond float64 `json:"perSecond"`
	Latency   Latency `json:"latency"`
	// Errors are failed checks and transport errors, warmup included.
	Errors       int64    `json:"errors"`
	ErrorSamples []string `json:"errorSamples,omitempty"`
	// Open loop: requests due while every connection was busy (Late), and
	// requests never sent (Dropped).
	Late    int64 `json:"late,omitempty"`
	Dropped int64 `json:"dropped,omitempty"`
	// BenchCPU and ServerCPU are the CPU the bench and the servers it
	// started used during the run (warmup included), in percent of one
	// CPU; -1 where unknown. PostgreSQL's own processes are not counted.
	BenchCPU  float64 `json:"benchCpuPercent"`
	ServerCPU float64 `json:"serverCpuPercent"`
	// Outcomes counts answers by kind where a scenario has several
	// (takeover, mixed).
	Outcomes map[string]int64 `json:"outcomes,omitempty"`
}

// Report is one run against one system under test.
type Report struct {
	Label      string      `json:"label,omitempty"`
	Conditions Conditions  `json:"conditions"`
	URLs       []string    `json:"urls"`
	Started    time.Time   `json:"started"`
	Setup      []SetupStep `json:"setup,omitempty"`
	Results    []*Result   `json:"results"`
}

// Errors counts the errors of every result.
func (r *Report) Errors() int64 {
	var n int64
	for _, x := range r.Results {
		n += x.Errors
	}
	return n
}

// Find returns the first result of scenario in mode ("" for any) whose
// label is label ("" for any).
func (r *Report) Find(scenario, mode, label string) *Result {
	for _, x := range r.Results {
		if x.Scenario == scenario && (mode == "" || x.Mode == mode) && (label == "" || x.Label == label) {
			return x
		}
	}
	return nil
}

// fmtMs writes a latency in milliseconds with three significant figures
// or so.
func fmtMs(d time.Duration) string {
	v := ms(d)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// fmtPct writes a CPU percentage, "-" when unknown.
func fmtPct(p float64) string {
	if p < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", p)
}

// Markdown writes the report as a markdown table, then its setup, error
// samples and outcomes.
func (r *Report) Markdown(w io.Writer) {
	if r.Label != "" {
		fmt.Fprintf(w, "### %s\n\n", r.Label)
	}
	if c := r.Conditions; c.LoadStart != "" {
		first := func(s string) string { return strings.Fields(s + " -")[0] }
		fmt.Fprintf(w, "Load average (1 min): %s at the start, %s at the end.\n\n", first(c.LoadStart), first(c.LoadEnd))
	}
	fmt.Fprintln(w, "| scenario | mode | conc | rate | sessions × queue | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | late/dropped | CPU % bench/servers |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, x := range r.Results {
		name := x.Scenario
		if x.Label != "" && x.Label != r.Label {
			name += " (" + x.Label + ")"
		}
		rate, lateDrop, sq := "-", "-", "-"
		if x.Mode == "open" {
			rate = fmt.Sprintf("%.0f", x.Rate)
			lateDrop = fmt.Sprintf("%d/%d", x.Late, x.Dropped)
		}
		if x.Sessions > 0 {
			sq = fmt.Sprintf("%d × %d", x.Sessions, x.Queue)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %.0f | %s | %s | %s | %s | %s | %d | %s | %s/%s |\n",
			name, x.Mode, x.Concurrency, rate, sq, x.PerSecond,
			fmtMs(x.Latency.P50), fmtMs(x.Latency.P90), fmtMs(x.Latency.P99), fmtMs(x.Latency.P999), fmtMs(x.Latency.Max),
			x.Errors, lateDrop, fmtPct(x.BenchCPU), fmtPct(x.ServerCPU))
	}
	fmt.Fprintln(w)
	for _, s := range r.Setup {
		fmt.Fprintf(w, "- setup: %d %s sessions of %d entries created in %.1f s (%.0f/s)\n",
			s.Sessions, s.Pool, s.Queue, s.Seconds, float64(s.Sessions)/s.Seconds)
	}
	for _, x := range r.Results {
		if len(x.Outcomes) > 0 {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(x.Outcomes)) {
				parts = append(parts, fmt.Sprintf("%s %d", k, x.Outcomes[k]))
			}
			fmt.Fprintf(w, "- %s answers: %s\n", x.Scenario, strings.Join(parts, ", "))
		}
		for _, e := range x.ErrorSamples {
			fmt.Fprintf(w, "- ERROR in %s: %s\n", x.Scenario, e)
		}
	}
	fmt.Fprintln(w)
}
