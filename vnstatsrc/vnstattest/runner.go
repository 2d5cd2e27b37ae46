package vnstattest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

// Runner is a fake vnstatsrc.Runner. Each Run must have the argv Want, or
// the test fails; it then returns Out and Err.
type Runner struct {
	T testing.TB

	mu    sync.Mutex
	want  []string
	out   []byte
	err   error
	calls int
}

var _ vnstatsrc.Runner = (*Runner)(nil)

// Expect sets the argv the next runs must have and what they return.
func (r *Runner) Expect(want []string, out []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.want, r.out, r.err = want, out, err
}

// Calls returns how many times Run was called.
func (r *Runner) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Run checks argv and returns the output set by Expect.
func (r *Runner) Run(_ context.Context, argv []string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if !slices.Equal(argv, r.want) {
		r.T.Errorf("unexpected vnstat argv %q, want %q", argv, r.want)
		return nil, &vnstatsrc.RunError{Argv: argv, Err: context.Canceled}
	}
	return r.out, r.err
}
