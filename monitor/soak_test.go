package monitor

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestSoakPolls runs a day's worth of one-second polls (86,400; a tenth of
// that under the race detector, which slows each poll about tenfold) and
// samples against a fake vnstat: heap,
// goroutines and open files must not grow.
func TestSoakPolls(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped in -short mode")
	}
	polls := 86_400
	if raceEnabled {
		polls /= 10
	}
	// One virtual day, inside one billing cycle.
	now := time.Date(2026, time.November, 29, 0, 0, 0, 0, time.UTC)
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true, StaleAfter: 15 * time.Minute}, hostLinks, &now, multiIfaces())
	ctx := context.Background()

	measure := func() (heap uint64, goroutines, fds int) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		entries, _ := os.ReadDir("/proc/self/fd")
		return ms.HeapInuse, runtime.NumGoroutine(), len(entries)
	}
	step := func(i int) {
		now = now.Add(time.Second / 2)
		if i%2 == 0 {
			if err := p.Poll(ctx); err != nil {
				t.Fatal(err)
			}
		} else if err := p.Sample(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Warm up, then measure over the run.
	for i := range 2000 {
		step(i)
	}
	heap0, g0, fd0 := measure()
	start := time.Now()
	for i := range 2 * polls {
		step(i)
	}
	took := time.Since(start)
	heap1, g1, fd1 := measure()
	t.Logf("%d polls and %d samples in %v: heap in use %d -> %d bytes, goroutines %d -> %d, open files %d -> %d",
		polls, polls, took.Round(time.Millisecond), heap0, heap1, g0, g1, fd0, fd1)
	if v.readCount() < polls {
		t.Fatalf("vnstat was read %d times", v.readCount())
	}
	if g1 > g0 || fd1 > fd0 {
		t.Errorf("goroutines %d -> %d, open files %d -> %d", g0, g1, fd0, fd1)
	}
	if heap1 > heap0+1<<20 {
		t.Errorf("heap grew from %d to %d bytes", heap0, heap1)
	}
}
