package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// alertEnv is the daemon's settings for a database at 95 % of its quota,
// with the notification URLs given: one event, threshold-90. The cycle
// begins today (START_DAY is today's day), so that no projected overrun
// is told on any day (it waits for a fifth of the cycle; with START_DAY
// 1, from the 7th of a month on, a second event came).
func alertEnv(t *testing.T, state string, urls ...string) []string {
	t.Helper()
	_, today := localToday()
	lo, dbdir := oneIfaceDB(t, "lo", 13, true)
	rx, tx := lo.Sum(today, today)
	if rx+tx == 0 {
		t.Fatal("fixture has no traffic in the cycle")
	}
	return []string{"VNSTAT_DBDIR=" + dbdir, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=false", "STATE_DIR=" + state,
		"START_DAY=" + strconv.Itoa(today.Day()), "QUOTA=" + strconv.FormatUint((rx+tx)*100/95, 10), "NOTIFY_URLS=" + strings.Join(urls, " ")}
}

// TestOneDaemonPerStateDir: a second daemon on the STATE_DIR of a running
// one refuses to start, with one line naming the variable and the other
// daemon's process, exit 2.
func TestOneDaemonPerStateDir(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	hook := testrig.NewReceiver(t, false)
	state := filepath.Join(t.TempDir(), "state")
	env := alertEnv(t, state, hook.URL())
	d := startDaemon(t, bin, env...)
	testrig.WaitMessages(t, 1, hook)
	// Bounded: a second daemon that does not refuse would run on.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	second := exec.CommandContext(ctx, bin)
	second.Env = append(os.Environ(), append(env, "PORT="+strconv.Itoa(freePort(t)))...)
	out, _ := second.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := fmt.Sprintf(`vnstat-exporter: invalid STATE_DIR %q (in use by another vnstat-exporter, process %d): allowed: a directory that no other running vnstat-exporter uses`, state, d.cmd.Process.Pid)
	if code := second.ProcessState.ExitCode(); code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("second daemon: exit %d, output:\n%s\nwant exit 2 and one line starting %q", code, out, want)
	}
	if n := len(hook.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	// Once it is gone, a daemon starts on the directory.
	d = startDaemon(t, bin, env...)
	d.waitFor(t, e2eSecret, http.StatusOK)
}

// TestSIGTERMWhileReceiverWorks: SIGTERM (systemctl restart) while a
// receiver is still working on the message: the daemon waits for its
// answer, exits 0, and the next start does not send the message again.
func TestSIGTERMWhileReceiverWorks(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	var (
		mu      sync.Mutex
		got     []string
		arrived = make(chan struct{})
		answer  = make(chan struct{})
		once    sync.Once
	)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		once.Do(func() { close(arrived) })
		<-answer // the receiver works until the daemon has been told to stop
	}))
	defer slow.Close()
	var answerOnce sync.Once
	release := func() { answerOnce.Do(func() { close(answer) }) }
	defer release()
	state := filepath.Join(t.TempDir(), "state")
	env := alertEnv(t, state, "generic+"+slow.URL+"/hook")
	d := startDaemon(t, bin, env...)
	<-arrived
	if err := d.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	d.waitLogged(t, "stopping: waiting for the notifications in flight", 1)
	release()
	if code := d.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	d = startDaemon(t, bin, env...)
	d.waitFor(t, detailsPath, http.StatusOK, `"alerts":{"pending":0}`)
	d.waitLogged(t, "alerts judged", strings.Count(d.logs.String(), "alerts judged")+2)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Errorf("the receiver got %d copies, want 1", len(got))
	}
}

// memoryCgroup makes a memory cgroup (v2, else v1) limited to limit
// bytes and returns a function that moves a process into it and one that
// reads its peak usage; it skips where none can be made.
func memoryCgroup(t *testing.T, limit int64) (join func(pid int), peak func() int64) {
	t.Helper()
	testrig.Root(t, "for a memory cgroup")
	name := fmt.Sprintf("vnstat-exporter-test-%d", os.Getpid())
	dirs := []struct{ dir, limit, procs, peak string }{
		{"/sys/fs/cgroup/" + name, "memory.max", "cgroup.procs", "memory.peak"},
		{"/sys/fs/cgroup/memory/" + name, "memory.limit_in_bytes", "cgroup.procs", "memory.max_usage_in_bytes"},
	}
	for _, c := range dirs {
		// A cgroup filesystem has the controllers' files in the parent.
		if _, err := os.Stat(filepath.Join(filepath.Dir(c.dir), c.procs)); err != nil {
			continue
		}
		if err := os.Mkdir(c.dir, 0o755); err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(c.dir, c.limit), []byte(strconv.FormatInt(limit, 10)), 0o644); err != nil {
			_ = os.Remove(c.dir)
			continue
		}
		t.Cleanup(func() {
			for deadline := time.Now().Add(10 * time.Second); os.Remove(c.dir) != nil && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
		})
		return func(pid int) {
				if err := os.WriteFile(filepath.Join(c.dir, c.procs), []byte(strconv.Itoa(pid)), 0o644); err != nil {
					t.Fatal(err)
				}
			}, func() int64 {
				b, _ := os.ReadFile(filepath.Join(c.dir, c.peak))
				n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
				return n
			}
	}
	t.Skip("no memory cgroup can be made here")
	return nil, nil
}

// TestHugeAnswerUnderMemoryLimit: a generic webhook that answers 200 with
// 1 GB, beside a healthy ntfy receiver, with the daemon in a cgroup of
// 64 MiB: the daemon is not killed, the healthy receiver gets the
// message once, the event is spooled once, and memory stays under the
// limit.
func TestHugeAnswerUnderMemoryLimit(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	const limit = 64 << 20
	join, peak := memoryCgroup(t, limit)
	bin := buildBinary(t)
	chunk := make([]byte, 1<<20)
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", strconv.Itoa(1<<30))
		for range 1024 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	ntfy := testrig.NewReceiver(t, true)
	state := filepath.Join(t.TempDir(), "state")
	env := append(alertEnv(t, state, "generic+"+huge.URL+"/hook", ntfy.URL()), "ROOT_ACTIONS=true")
	// Started in the cgroup: a wrapper shell joins it, then runs the daemon.
	wrapper := filepath.Join(t.TempDir(), "in-cgroup.sh")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nwhile [ ! -e \"$0.go\" ]; do sleep 0.01; done\nexec "+bin+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	d := launchDaemon(t, "", "127.0.0.1", freePort(t), wrapper, env...)
	join(d.cmd.Process.Pid)
	if err := os.WriteFile(wrapper+".go", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !d.waitServing() {
		t.Fatalf("not serving:\n%s", d.logs)
	}
	testrig.WaitMessages(t, 1, ntfy)
	d.waitLogged(t, "notification sent", 2) // the huge answer's 200 counts: the receiver took it
	d.waitLogged(t, "alerts judged", strings.Count(d.logs.String(), "alerts judged")+2)
	select {
	case <-d.exited:
		t.Fatalf("the daemon died:\n%s", d.logs)
	default:
	}
	if n := len(ntfy.Messages()); n != 1 {
		t.Errorf("the healthy receiver got %d messages, want 1", n)
	}
	spooled, _ := os.ReadDir(filepath.Join(state, "actions"))
	if len(spooled) != 1 {
		t.Errorf("%d spool files, want 1", len(spooled))
	}
	p := peak()
	t.Logf("peak memory of the daemon's cgroup: %d bytes (limit %d)", p, limit)
	if p == 0 || p >= limit {
		t.Errorf("peak memory %d, limit %d", p, limit)
	}
}
