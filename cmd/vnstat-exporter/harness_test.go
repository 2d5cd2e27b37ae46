// The daemon harness of the end-to-end tests: the binary built once, a
// daemon started as a process or in this one, and waiting on it.

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// built is the daemon binary, built once per test run (buildBinary) in
// a directory TestMain removes.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary builds the daemon once per test run and returns its path;
// tests run it, none changes it.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "vnstat-exporter-test-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		bin := filepath.Join(dir, "vnstat-exporter")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built.bin = bin
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// daemon is a running vnstat-exporter.
type daemon struct {
	cmd  *exec.Cmd // nil when the daemon runs in this process
	url  string
	logs *testrig.Buffer
	// done receives Wait's error once; exited is closed when the
	// process has ended, for any number of readers.
	done   chan error
	exited chan struct{}
	// cancel ends an in-process daemon, which returned code.
	cancel context.CancelFunc
	code   int
}

// inProcess, given to startDaemon instead of a binary, runs the daemon in
// the test's own process: the program's run, from the settings to the
// exit code, with a context for SIGTERM. A test that needs a process
// (signals, a PID, its own time zone, its own HTTP transport, a network
// namespace) gives buildBinary's.
const inProcess = ""

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startDaemon(t *testing.T, bin string, env ...string) *daemon {
	t.Helper()
	return startDaemonIn(t, "", "127.0.0.1", bin, env...)
}

// startDaemonIn starts the daemon in the network namespace ns (empty: the
// test's own), listening on host, and waits until it serves or exits.
//
// The port is one the kernel just handed out and took back (freePort), so
// another process may take it before the daemon binds it: a test in
// another package listening, or any outgoing connection, whose local port
// comes from the same range. A daemon that exits because its port was
// taken is started again on a new port.
func startDaemonIn(t *testing.T, ns, host, bin string, env ...string) *daemon {
	t.Helper()
	for attempt := 1; ; attempt++ {
		d := launchDaemon(t, ns, host, freePort(t), bin, env...)
		if d.waitServing() || attempt == 5 || !strings.Contains(d.logs.String(), "address already in use") {
			return d
		}
		t.Logf("the daemon's port was taken before it bound it; again on another port")
	}
}

// waitServing waits until d serves HTTP (true), exits, or a minute passes.
func (d *daemon) waitServing() bool {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if strings.Contains(d.logs.String(), "serving http") {
			return true
		}
		select {
		case <-d.exited:
			return strings.Contains(d.logs.String(), "serving http")
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// launchDaemon starts the daemon on port and returns at once.
func launchDaemon(t *testing.T, ns, host string, port int, bin string, env ...string) *daemon {
	t.Helper()
	if bin == inProcess {
		return runInProcess(t, host, port, env...)
	}
	cmd := exec.Command(bin)
	if ns != "" {
		cmd = exec.Command("ip", "netns", "exec", ns, bin)
	}
	cmd.Env = append(os.Environ(), append([]string{
		"LISTEN_HOST=" + host, "PORT=" + strconv.Itoa(port), "LOG_LEVEL=debug", "WEBHOOK_PATH=" + e2eSecret,
	}, env...)...)
	d := &daemon{cmd: cmd, url: "http://" + net.JoinHostPort(host, strconv.Itoa(port)), logs: &testrig.Buffer{},
		done: make(chan error, 1), exited: make(chan struct{})}
	cmd.Stdout = d.logs
	cmd.Stderr = d.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		close(d.exited)
		d.done <- err
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.logs)
		}
	})
	return d
}

// runInProcess runs the daemon's run in this process on port, with env
// before the process's environment, and returns at once.
func runInProcess(t *testing.T, host string, port int, env ...string) *daemon {
	t.Helper()
	vars := map[string]string{"LISTEN_HOST": host, "PORT": strconv.Itoa(port), "LOG_LEVEL": "debug", "WEBHOOK_PATH": e2eSecret}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{url: "http://" + net.JoinHostPort(host, strconv.Itoa(port)), logs: &testrig.Buffer{}, exited: make(chan struct{}), cancel: cancel}
	go func() {
		d.code = run(ctx, nil, getenv, d.logs, d.logs)
		close(d.exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-d.exited
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.logs)
		}
	})
	return d
}

// stop sends SIGTERM and returns the exit code.
func (d *daemon) stop(t *testing.T) int {
	t.Helper()
	if d.cmd == nil {
		d.cancel()
		select {
		case <-d.exited:
			return d.code
		case <-time.After(20 * time.Second):
			t.Fatal("daemon did not return after its context ended")
			return -1
		}
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.done:
		d.done <- nil // for the cleanup
		return d.cmd.ProcessState.ExitCode()
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not exit after SIGTERM")
		return -1
	}
}

func (d *daemon) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(d.url + path)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// waitFor polls path until it answers status with a body that contains
// every one of want, within a bounded time.
func (d *daemon) waitFor(t *testing.T, path string, status int, want ...string) []byte {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := d.get(t, path)
		if code == status && containsAll(string(body), want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %s; wanted %d", strings.ReplaceAll(path, e2eSecret, "WEBHOOK"), code, body, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLogged waits until the daemon's log holds phrase n times, and
// fails the test after a minute.
func (d *daemon) waitLogged(t *testing.T, phrase string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for strings.Count(d.logs.String(), phrase) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon logged %q %d times in a minute, want %d", phrase, strings.Count(d.logs.String(), phrase), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
