package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes the machine the bench runs on, in one line: CPUs and
// their model, memory, OS and Go version.
func Machine() string {
	model, mem := "", ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					mem = fmt.Sprintf(", %.0f GiB memory", kb/(1<<20))
				}
			}
		}
	}
	if model != "" {
		model = " (" + model + ")"
	}
	return fmt.Sprintf("%d CPUs%s%s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// LoadAverage returns the machine's load averages over 1, 5 and 15
// minutes ("" where unknown): other work on the machine skews the figures.
func LoadAverage() string {
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			return strings.Join(f[:3], " ")
		}
	}
	return ""
}

// Conditions are the machine a run ran on and how busy it was.
type Conditions struct {
	Machine   string `json:"machine"`
	LoadStart string `json:"loadAverageAtStart,omitempty"`
	LoadEnd   string `json:"loadAverageAtEnd,omitempty"`
}

// startConditions describes the machine now, at the start of a run.
func startConditions() Conditions {
	return Conditions{Machine: Machine(), LoadStart: LoadAverage()}
}

// String writes the conditions in one line.
func (c Conditions) String() string {
	s := c.Machine
	if c.LoadStart != "" {
		s += fmt.Sprintf("; load average (1, 5, 15 min) %s at the start, %s at the end", c.LoadStart, c.LoadEnd)
	}
	return s
}
