package bench

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is Linux's USER_HZ, the unit of /proc/PID/stat's CPU times:
// 100 on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// processCPU returns the CPU time (user and system) process pid has used,
// from /proc; false where that is not available.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * clockTick, true
}

// cpuMeter measures the CPU the bench and the servers use during a run.
type cpuMeter struct {
	pids        []int
	at          time.Time
	self, other time.Duration
	ok          bool
}

// startCPU reads the CPU used so far by the bench and the processes pids.
func startCPU(pids []int) *cpuMeter {
	m := &cpuMeter{pids: pids, at: time.Now()}
	m.self, m.other, m.ok = m.read()
	return m
}

func (m *cpuMeter) read() (self, other time.Duration, ok bool) {
	self, ok = processCPU(os.Getpid())
	for _, p := range m.pids {
		c, okp := processCPU(p)
		other += c
		ok = ok && okp
	}
	return self, other, ok
}

// stop returns the CPU used since startCPU by the bench and by the
// processes, each in percent of one CPU over the time passed; -1 where
// unknown (the servers' is -1 too when there are none).
func (m *cpuMeter) stop() (bench, servers float64) {
	self, other, ok := m.read()
	if !ok || !m.ok {
		return -1, -1
	}
	wall := float64(time.Since(m.at))
	bench, servers = 100*float64(self-m.self)/wall, 100*float64(other-m.other)/wall
	if len(m.pids) == 0 {
		servers = -1
	}
	return bench, servers
}
