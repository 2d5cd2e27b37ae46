package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type record struct {
	Cycle string `json:"cycle"`
	Sent  []int  `json:"sent"`
}

func TestSaveLoad(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got record
	if found, err := d.Load("alerts.json", &got); found || err != nil {
		t.Fatalf("Load of a missing file = %v, %v; want false, nil", found, err)
	}
	want := record{Cycle: "2026-11-15", Sent: []int{80, 90}}
	if err := d.Save("alerts.json", want); err != nil {
		t.Fatal(err)
	}
	if found, err := d.Load("alerts.json", &got); !found || err != nil {
		t.Fatalf("Load = %v, %v; want true, nil", found, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(filepath.Join(d.Path(), "alerts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(d.Path(), ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestCorruptFileIsSetAside(t *testing.T) {
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	d, err := Open(t.TempDir(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(d.Path(), "alerts.json")
	if err := os.WriteFile(p, []byte(`{"cycle": "2026-11-`), 0o600); err != nil {
		t.Fatal(err)
	}
	var got record
	found, err := d.Load("alerts.json", &got)
	if found || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load = %v, %v; want false, ErrCorrupt", found, err)
	}
	aside := p + ".corrupt-20261130T070000Z"
	if !strings.Contains(err.Error(), aside) {
		t.Errorf("error %q does not say where the file went (%s)", err, aside)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Errorf("corrupt file not kept: %v", err)
	}
	// The next load starts afresh instead of failing again.
	if found, err := d.Load("alerts.json", &got); found || err != nil {
		t.Errorf("second Load = %v, %v; want false, nil", found, err)
	}
}

func TestOpenRefusesUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes anywhere; a file in the way fails for everyone.
		f := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(filepath.Join(f, "state"), nil); err == nil {
			t.Fatal("Open under a regular file succeeded")
		}
		return
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, nil); err == nil {
		t.Fatal("Open of a read-only directory succeeded")
	}
}

func TestOpenRefusesRelative(t *testing.T) {
	if _, err := Open("state", nil); err == nil {
		t.Fatal("Open of a relative path succeeded")
	}
}
