package vnstattest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rebuild the fixture databases and recapture testdata/*.json from the real vnstat")

// TestCaptures checks that every fixture has a capture, and with -update
// rebuilds each fixture's database with vnstatd --initdb and sqlite3 and
// records what the real vnstat prints for it.
func TestCaptures(t *testing.T) {
	for _, f := range Fixtures() {
		t.Run(f.Name, func(t *testing.T) {
			path := filepath.Join("testdata", f.Name+".json")
			if *update {
				if why := Tools(); why != "" {
					t.Fatalf("cannot update: %s", why)
				}
				out := capture(t, f)
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := Captured(f.Name)
			if err != nil {
				t.Fatalf("missing capture (run go test ./vnstatsrc/vnstattest -update): %v", err)
			}
			if !bytes.Contains(b, []byte(`"jsonversion":"2"`)) {
				t.Errorf("capture %s is not vnstat jsonversion 2 output", path)
			}
		})
	}
}

// TestBuildMatchesCapture rebuilds each fixture and checks that the real
// vnstat still prints exactly what testdata holds, so captures cannot drift
// from the fixtures that describe them.
func TestBuildMatchesCapture(t *testing.T) {
	if why := Tools(); why != "" {
		t.Skip(why)
	}
	for _, f := range Fixtures() {
		t.Run(f.Name, func(t *testing.T) {
			want, err := Captured(f.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got := capture(t, f); !bytes.Equal(want, got) {
				t.Errorf("vnstat output differs from testdata/%s.json:\nwant %s\ngot  %s", f.Name, want, got)
			}
		})
	}
}

func capture(t *testing.T, f Fixture) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	if _, err := Build(ctx, dir, f.Ifaces); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "vnstat", "--json", "d", "--begin", f.Begin.Format(time.DateOnly), "--dbdir", dir)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running vnstat: %v", err)
	}
	return out
}
