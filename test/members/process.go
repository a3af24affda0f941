package members

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process names, in start order. They name the log files, PID files and, through
// procBinary, the binary whose name must appear in /proc/<pid>/cmdline.
const (
	procEtcd      = "etcd"
	procAPIServer = "kube-apiserver"
	procKCM       = "kube-controller-manager"
	procScheduler = "kube-scheduler"
	procKwok      = "kwok"
)

var procOrder = []string{procEtcd, procAPIServer, procKCM, procScheduler, procKwok}

// stopTimeout is how long a process gets after SIGTERM before SIGKILL. The kube-apiserver
// stops listening at once on SIGTERM but then waits up to --request-timeout (60 s) for open
// watches of the controllers, scheduler and kwok; its state is all in etcd, so it gets less.
const (
	stopTimeout          = 10 * time.Second
	apiServerStopTimeout = 3 * time.Second
)

// process is one started child. done is closed once it has been reaped (only for children
// of this process; adopted members are polled through /proc instead).
type process struct {
	name string
	pid  int
	done chan struct{}
}

// startProcess starts bin with args in its own session, stdout/stderr appended to
// <dir>/<name>.log, and records the PID in <dir>/pids/<name>.pid.
func startProcess(dir, name, bin string, args []string, dieWithParent bool) (*process, error) {
	logFile, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "=== %s %s %s\n", time.Now().Format(time.RFC3339), bin, strings.Join(args, " "))

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if dieWithParent {
		// Pdeathsig fires when the forking OS thread exits; keep this goroutine on one
		// thread while forking (the Go runtime does not retire unlocked threads).
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	err = os.MkdirAll(filepath.Join(dir, "pids"), 0o755)
	if err == nil {
		err = os.WriteFile(pidFile(dir, name), []byte(strconv.Itoa(p.pid)+"\n"), 0o644)
	}
	if err != nil {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		return nil, err
	}
	return p, nil
}

func pidFile(dir, name string) string { return filepath.Join(dir, "pids", name+".pid") }

// exited reports whether the process is gone (or a zombie nobody reaped yet).
func (p *process) exited() bool {
	if p.done != nil {
		select {
		case <-p.done:
			return true
		default:
			return false
		}
	}
	return !pidAlive(p.pid)
}

// stop sends SIGTERM, waits up to stopTimeout, then SIGKILLs and waits for the exit.
func (p *process) stop() error {
	if p.exited() {
		return nil
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	grace := stopTimeout
	if p.name == procAPIServer {
		grace = apiServerStopTimeout
	}
	if p.waitExit(grace) {
		return nil
	}
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
	if p.waitExit(stopTimeout) {
		return nil
	}
	return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, p.pid)
}

func (p *process) waitExit(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if p.exited() {
			return true
		}
		if p.done != nil {
			select {
			case <-p.done:
				return true
			case <-time.After(50 * time.Millisecond):
			}
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return p.exited()
}

// pidAlive: /proc/<pid> exists and the process is not a zombie.
func pidAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Format: pid (comm) state ...; comm may contain spaces or parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z' && stat[i+2] != 'X'
	}
	return true
}

// pidIsOurs reports whether pid runs the binary called name with an argument mentioning
// dir — so a PID reused by an unrelated process is never signalled.
func pidIsOurs(pid int, name, dir string) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(raw) == 0 {
		return false
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	if filepath.Base(args[0]) != name {
		return false
	}
	return strings.Contains(strings.Join(args[1:], " "), filepath.Clean(dir)+string(filepath.Separator))
}

// readPIDFile returns the PID recorded for name under dir (0 if none).
func readPIDFile(dir, name string) int {
	raw, err := os.ReadFile(pidFile(dir, name))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 1 {
		return 0
	}
	return pid
}

// adoptProcess returns the live process recorded under dir for name, or nil.
func adoptProcess(dir, name string) *process {
	pid := readPIDFile(dir, name)
	if pid == 0 || !pidAlive(pid) || !pidIsOurs(pid, name, dir) {
		return nil
	}
	return &process{name: name, pid: pid}
}

// StopByPIDFiles stops what a previous run left under dir: every <member>/pids/<proc>.pid
// file found below dir (dir itself may be a member's Dir or a folder of members). A process
// is only signalled when /proc/<pid>/cmdline runs the recorded binary with an argument
// inside that member's folder, so a reused PID is never killed. SIGTERM, then SIGKILL after
// 10 s (3 s for kube-apiserver); PID files are removed once their process is gone.
func StopByPIDFiles(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var memberDirs []string
	err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil
			}
			return err
		}
		if d.IsDir() && d.Name() == "pids" {
			memberDirs = append(memberDirs, filepath.Dir(path))
			return fs.SkipDir
		}
		if d.IsDir() && d.Name() == "etcd-data" {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, md := range memberDirs {
		errs = append(errs, stopMemberDir(md, nil))
	}
	return errors.Join(errs...)
}

// stopMemberDir stops the member's processes in reverse start order. known holds processes
// this Go process started (reaped through their done channel); the rest come from PID files.
func stopMemberDir(dir string, known map[string]*process) error {
	var errs []error
	for i := len(procOrder) - 1; i >= 0; i-- {
		name := procOrder[i]
		p := known[name]
		if p == nil {
			p = adoptProcess(dir, name)
		}
		if p != nil {
			if err := p.stop(); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if err := os.Remove(pidFile(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// listensOn reports whether pid holds a TCP socket listening on 127.0.0.1:port.
func listensOn(pid, port int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return false
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n")[1:] {
		f := strings.Fields(line)
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) >= 10 && f[1] == want && f[3] == "0A" {
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return false
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && inodes[link] {
			return true
		}
	}
	return false
}
