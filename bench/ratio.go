package bench

import (
	"fmt"
	"io"
	"time"
)

// Side is one side of a ratio: a measured result.
type Side struct {
	What      string        `json:"what"`
	PerSecond float64       `json:"perSecond"`
	P50       time.Duration `json:"p50Ns"`
	P99       time.Duration `json:"p99Ns"`
}

// Ratio compares two results measured in one suite: A/B of throughput
// and of the p50 and p99 latencies.
type Ratio struct {
	Comparison string  `json:"comparison"`
	A          Side    `json:"a"`
	B          Side    `json:"b"`
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
}

func side(what string, r *Result) Side {
	return Side{What: what, PerSecond: r.PerSecond, P50: r.Latency.P50, P99: r.Latency.P99}
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// compare makes a ratio of two results, or nothing if one is missing.
func compare(out []Ratio, comparison, whatA string, a *Result, whatB string, b *Result) []Ratio {
	if a == nil || b == nil {
		return out
	}
	return append(out, Ratio{
		Comparison: comparison, A: side(whatA, a), B: side(whatB, b),
		Throughput: div(a.PerSecond, b.PerSecond),
		P50:        div(float64(a.Latency.P50), float64(b.Latency.P50)),
		P99:        div(float64(a.Latency.P99), float64(b.Latency.P99)),
	})
}

// ratios draws the comparisons of BENCHMARKS.md from a suite's runs.
func ratios(s *SuiteReport) []Ratio {
	run := func(label string) *Report {
		for _, r := range s.Runs {
			if r.Label == label {
				return r
			}
		}
		return &Report{}
	}
	full, normal, pg1, pg3 := run(labelFull), run(labelNormal), run(labelPG1), run(labelPG3)
	var out []Ratio
	hz := full.Find(Healthz, "closed", labelFull)
	for _, sc := range Scenarios[1:] {
		out = compare(out, sc+" vs /healthz (SQLite FULL)", sc, full.Find(sc, "closed", labelFull), "healthz", hz)
	}
	out = compare(out, "durable next vs raw commit rate (SQLite FULL)", "next", full.Find(Next, "closed", labelFull), "commit", full.Find("commit", "probe", ""))
	if many := full.Find(Next, "closed", variantMany); many != nil {
		out = compare(out, fmt.Sprintf("durable next, %d writers, vs raw commit rate (SQLite FULL)", many.Concurrency), "next", many, "commit", full.Find("commit", "probe", ""))
	}
	out = compare(out, "durable next vs raw commit rate (PostgreSQL)", "next, 1 instance", pg1.Find(Next, "closed", labelPG1), "commit", pg1.Find("commit", "probe", ""))
	out = compare(out, "SQLite NORMAL vs FULL: raw commit", "NORMAL", normal.Find("commit", "probe", ""), "FULL", full.Find("commit", "probe", ""))
	for _, sc := range []string{Next, Event} {
		out = compare(out, "SQLite NORMAL vs FULL: "+sc, "NORMAL", normal.Find(sc, "closed", labelNormal), "FULL", full.Find(sc, "closed", labelFull))
	}
	long := full.Find(Next, "closed", variantLong)
	what := "long"
	if long != nil {
		what = fmt.Sprintf("%d entries", long.Queue)
	}
	out = compare(out, "next: long vs 10-entry queues (SQLite FULL)", what, long, "10 entries", full.Find(Next, "closed", variantShort))
	for _, sc := range []string{Next, Mixed} {
		out = compare(out, "PostgreSQL 3 vs 1 instances: "+sc, "3 instances", pg3.Find(sc, "closed", labelPG3), "1 instance", pg1.Find(sc, "closed", labelPG1))
	}
	open := full.Find(Next, "open", labelFull)
	if open != nil {
		out = compare(out, fmt.Sprintf("next open loop at 50%% of saturation (%.0f req/s) vs closed loop (SQLite FULL)", open.Rate),
			"open", open, "closed", full.Find(Next, "closed", labelFull))
	}
	return out
}

// Markdown writes the ratio table.
func (s *SuiteReport) Markdown(w io.Writer) {
	fmt.Fprintln(w, "| comparison (A vs B) | A req/s | B req/s | req/s A/B | A p99 ms | B p99 ms | p50 A/B | p99 A/B |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range s.Ratios {
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.2f | %s | %s | %.2f | %.2f |\n",
			r.Comparison, r.A.PerSecond, r.B.PerSecond, r.Throughput, fmtMs(r.A.P99), fmtMs(r.B.P99), r.P50, r.P99)
	}
	fmt.Fprintln(w)
}
