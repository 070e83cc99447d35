package bench

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestPercentilesOfAKnownDistribution(t *testing.T) {
	// 1..1000 ms, shuffled: the nearest-rank q-th percentile is q*10 ms.
	samples := make([]time.Duration, 1000)
	for i := range samples {
		samples[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.Shuffle(len(samples), func(i, j int) { samples[i], samples[j] = samples[j], samples[i] })
	l := Summarize(samples)
	want := Latency{P50: 500 * time.Millisecond, P90: 900 * time.Millisecond, P99: 990 * time.Millisecond,
		P999: 999 * time.Millisecond, Max: 1000 * time.Millisecond, Mean: 500500 * time.Microsecond}
	if l != want {
		t.Errorf("Summarize(1..1000 ms) = %+v, want %+v", l, want)
	}
	for _, tc := range []struct {
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{7}, 0.1, 7},
		{[]time.Duration{7}, 100, 7},
		{[]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5},
		{[]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 51, 6},
		{[]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99.9, 10},
		// One slow answer in 100 is the p99; in 101 it is above it.
		{append(make([]time.Duration, 99), 1000), 99, 0},
		{append(make([]time.Duration, 99), 1000), 99.9, 1000},
	} {
		if got := Percentile(tc.sorted, tc.q); got != tc.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.sorted, tc.q, got, tc.want)
		}
	}
}
