// Package docs holds the long documentation, in English and Chinese; its
// test holds the two languages to each other.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pairs are the documents and their Chinese twins, README first.
func pairs(t *testing.T) [][2]string {
	t.Helper()
	ps := [][2]string{{"../README.md", "../README.zh-CN.md"}}
	en, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range en {
		if strings.HasSuffix(f, ".zh-CN.md") {
			if _, err := os.Stat(strings.TrimSuffix(f, ".zh-CN.md") + ".md"); err != nil {
				t.Errorf("%s has no English twin", f)
			}
			continue
		}
		ps = append(ps, [2]string{f, strings.TrimSuffix(f, ".md") + ".zh-CN.md"})
	}
	return ps
}

// outline is what must match between the languages: each heading's level
// and the code in it, and the first cell of each table row that starts
// with code (the settings, metrics, kinds and fields tables).
type outline struct {
	Headings []string
	Rows     []string
}

var code = regexp.MustCompile("`[^`]+`")

func readOutline(t *testing.T, path string) (outline, []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var o outline
	var lines []string
	fence := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence {
			continue
		}
		lines = append(lines, line)
		if level := len(line) - len(strings.TrimLeft(line, "#")); level > 0 && strings.HasPrefix(line[level:], " ") {
			o.Headings = append(o.Headings, strings.Repeat("#", level)+" "+strings.Join(code.FindAllString(line, -1), " "))
		}
		if strings.HasPrefix(line, "| `") {
			first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
			o.Rows = append(o.Rows, code.FindString(first))
		}
	}
	return o, lines
}

// TestLanguagesMatch: every document exists in both languages with the
// same headings (level and code, in order) and the same tables' keys.
func TestLanguagesMatch(t *testing.T) {
	for _, p := range pairs(t) {
		en, _ := readOutline(t, p[0])
		zh, _ := readOutline(t, p[1])
		if diff := cmp.Diff(en, zh); diff != "" {
			t.Errorf("%s and %s differ (-en +zh):\n%s", p[0], p[1], diff)
		}
		if len(en.Headings) < 2 {
			t.Errorf("%s: %d headings", p[0], len(en.Headings))
		}
	}
}

var link = regexp.MustCompile(`(?:\]\(|<img src=")([^)#:"]+)(#[^)]*)?[)"]`)

// TestLinksResolve: every relative link in the documents names a file
// that exists, and no placeholder is left.
func TestLinksResolve(t *testing.T) {
	for _, p := range pairs(t) {
		for _, f := range p {
			_, lines := readOutline(t, f)
			text := strings.Join(lines, "\n")
			for _, m := range link.FindAllStringSubmatch(text, -1) {
				if _, err := os.Stat(filepath.Join(filepath.Dir(f), m[1])); err != nil {
					t.Errorf("%s links to %s: %v", f, m[1], err)
				}
			}
			if i := strings.Index(text, "<<"); i >= 0 {
				t.Errorf("%s: placeholder at %q", f, text[i:min(len(text), i+40)])
			}
		}
	}
}

// TestREADMEFitsAScreenful: the README stays the short way in (issue 23):
// under 300 lines, the package install before anything else.
func TestREADMEFitsAScreenful(t *testing.T) {
	for _, f := range []string{"../README.md", "../README.zh-CN.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) >= 300 {
			t.Errorf("%s: %d lines, want under 300", f, len(lines))
		}
		first := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "## ") })
		if first < 0 || !strings.Contains(strings.Join(lines[first:min(len(lines), first+30)], "\n"), ".deb") {
			t.Errorf("%s: the first section does not start with the package", f)
		}
	}
}
