package bench

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestProcessCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	m := startCPU([]int{os.Getpid()})
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
	}
	bench, servers := m.stop()
	// Busy for the whole time: about 100% of one CPU, counted twice (as
	// the bench and as the "server"), unless the machine is overloaded.
	if bench < 20 || bench > 150 || servers != bench && servers < 20 {
		t.Errorf("bench %.0f%%, servers %.0f%%, want about 100%% each", bench, servers)
	}
	if _, ok := processCPU(-1); ok {
		t.Error("CPU of process -1")
	}
}
