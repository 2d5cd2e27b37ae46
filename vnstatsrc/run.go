package vnstatsrc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Runner runs a command, argv[0] being the program, and returns what it
// wrote to standard output.
type Runner interface {
	Run(ctx context.Context, argv []string) ([]byte, error)
}

// DefaultMaxOutput bounds what ExecRunner reads from a command: vnstat's
// daily JSON for 50 interfaces and the 93 days of two cycles is about
// 450 KiB.
const DefaultMaxOutput = 4 << 20

// maxStderr bounds how much of a command's standard error is kept for the
// error message.
const maxStderr = 4 << 10

// ExecRunner runs commands as child processes.
type ExecRunner struct {
	// Timeout bounds one run; the child and any children it started are
	// killed when it passes. Zero means no bound beyond ctx.
	Timeout time.Duration
	// MaxOutput bounds standard output; a command that writes more is
	// killed and its run fails. Zero means DefaultMaxOutput.
	MaxOutput int
}

var _ Runner = (*ExecRunner)(nil)

// Run runs argv with LC_ALL=C in its own process group and returns its
// standard output. Errors name the argv and carry the start of stderr.
func (r *ExecRunner) Run(ctx context.Context, argv []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("running command: empty argv")
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	limit := r.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	stdout := &boundedBuffer{max: limit, onFull: func() {
		cancel(fmt.Errorf("output exceeds %d bytes", limit))
	}}
	stderr := &boundedBuffer{max: maxStderr}

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// Own process group, so that a timeout kills whatever the command
	// started too (a wrapper script's children, say).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// A grandchild holding the pipes open must not keep Wait blocked.
	cmd.WaitDelay = time.Second

	err := cmd.Run()
	if cause := context.Cause(ctx); cause != nil {
		if errors.Is(cause, context.DeadlineExceeded) {
			cause = fmt.Errorf("timed out after %s", r.Timeout)
		}
		return nil, &RunError{Argv: argv, Err: cause, Stderr: stderr.String()}
	}
	if err != nil {
		// vnstat prints its errors on standard output.
		msg := stderr.String()
		if strings.TrimSpace(msg) == "" {
			msg = string(stdout.Bytes()[:min(stdout.buf.Len(), maxStderr)])
		}
		return nil, &RunError{Argv: argv, Err: err, Stderr: msg}
	}
	return stdout.Bytes(), nil
}

// RunError is a command that could not be run or did not succeed.
type RunError struct {
	// Argv is the command line.
	Argv []string
	// Err is why it failed.
	Err error
	// Stderr is the start of what the command wrote to standard error, or
	// to standard output when it wrote nothing to standard error (vnstat
	// prints its errors there).
	Stderr string
}

func (e *RunError) Error() string {
	msg := fmt.Sprintf("running %s: %v", strings.Join(e.Argv, " "), e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + strings.Join(strings.Fields(s), " ")
	}
	return msg
}

func (e *RunError) Unwrap() error { return e.Err }

// boundedBuffer keeps at most max bytes. On overflow it calls onFull and
// fails the write, or, with no onFull, drops the excess and carries on so
// the writer is never blocked.
//
// The buffer is a field, not embedded: an embedded bytes.Buffer would give
// boundedBuffer a ReadFrom method, which io.Copy prefers to Write.
type boundedBuffer struct {
	buf    bytes.Buffer
	max    int
	onFull func()
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if len(p) <= room {
		return b.buf.Write(p)
	}
	b.buf.Write(p[:max(room, 0)])
	if b.onFull == nil {
		return len(p), nil
	}
	b.onFull()
	return 0, errOutputFull
}

var errOutputFull = errors.New("output bound reached")

func (b *boundedBuffer) Bytes() []byte  { return b.buf.Bytes() }
func (b *boundedBuffer) String() string { return b.buf.String() }
