// Package procstat is what the benchmark tools measure processes with, read from /proc:
// CPU time (per process and for the whole machine), VmRSS and other /proc/<pid>/status
// sizes, a peak-RSS sampler and the load average. Every reader returns zero values when the
// process (or file) is gone, so a measurement of an exited process reads as nothing used.
package procstat

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports.
const ClockTicks = 100

// CPUTicks is utime+stime of pid in clock ticks (0 if it is gone).
func CPUTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: utime and stime are fields 14 and 15, i.e. 11 and 12
	// after the closing parenthesis of comm (which may contain spaces).
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// SumTicks is CPUTicks summed over pids.
func SumTicks(pids []int) int64 {
	var t int64
	for _, pid := range pids {
		t += CPUTicks(pid)
	}
	return t
}

// MachineTicks is the busy and total time of all CPUs from /proc/stat's "cpu" line (busy =
// total less idle and iowait).
func MachineTicks() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	var idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i >= 8 { // guest and guest_nice are already counted in user and nice
			break
		}
		total += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total - idle, total
}

// Pct is ticks of CPU time over the wall time d, in % of one core.
func Pct(ticks int64, d time.Duration) float64 {
	return float64(ticks) / ClockTicks / d.Seconds() * 100
}

// RSSKB is VmRSS of pid in KiB (0 if it is gone).
func RSSKB(pid int) int { return StatusKB(pid, "VmRSS:") }

// RSSMiB is VmRSS of pid in MiB, rounded down (0 if it is gone).
func RSSMiB(pid int) int { return RSSKB(pid) / 1024 }

// StatusKB is one "<field> <n> kB" line of /proc/<pid>/status, field including its colon
// ("RssAnon:"); 0 if absent.
func StatusKB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			if f := strings.Fields(line); len(f) > 1 {
				kb, _ := strconv.Atoi(f[1])
				return kb
			}
		}
	}
	return 0
}

// LoadAvg is the 1, 5 and 15 minute load average ("unknown" if unreadable).
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// RSSSampler keeps the peak VmRSS of a process, sampled every 200 ms while Run runs.
type RSSSampler struct {
	pid    int
	mu     sync.Mutex
	peakKB int
}

// NewRSSSampler samples pid; start Run in a goroutine.
func NewRSSSampler(pid int) *RSSSampler { return &RSSSampler{pid: pid} }

// Run samples every 200 ms until ctx is done.
func (s *RSSSampler) Run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sample()
		}
	}
}

// Sample reads VmRSS now (KiB), folding it into the peak.
func (s *RSSSampler) Sample() int {
	kb := RSSKB(s.pid)
	s.mu.Lock()
	s.peakKB = max(s.peakKB, kb)
	s.mu.Unlock()
	return kb
}

// Reset starts a new peak window at the current VmRSS.
func (s *RSSSampler) Reset() {
	kb := RSSKB(s.pid)
	s.mu.Lock()
	s.peakKB = kb
	s.mu.Unlock()
}

// Peak is the highest VmRSS (KiB) since the last Reset.
func (s *RSSSampler) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakKB
}
