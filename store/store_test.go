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

// TestUnusableFileIsSetAside: a file too large to read (it is not read
// whole) and one that cannot be read are set aside, not overwritten.
func TestUnusableFileIsSetAside(t *testing.T) {
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		make func(p string) error
		want string
	}{
		{"too large", func(p string) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(200 << 20) // sparse: 200 MB that take no room
		}, "209715200 bytes, more than the 4194304 a state file may have"},
		{"a directory", func(p string) error { return os.Mkdir(p, 0o700) }, "not a regular file"},
		{"a link", func(p string) error { return os.Symlink("/etc/passwd", p) }, "too many levels of symbolic links"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(t.TempDir(), func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(d.Path(), "alerts.json")
			if err := tt.make(p); err != nil {
				t.Fatal(err)
			}
			var got record
			found, err := d.Load("alerts.json", &got)
			if found || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "set aside as") {
				t.Fatalf("Load = %v, %v; want ErrCorrupt saying %q", found, err, tt.want)
			}
			if _, err := os.Lstat(p + ".corrupt-20261130T070000Z"); err != nil {
				t.Errorf("not set aside: %v", err)
			}
			if err := d.Save("alerts.json", record{Cycle: "x"}); err != nil {
				t.Errorf("Save after setting aside: %v", err)
			}
		})
	}
}
