package billing

import (
	"go/build"
	"slices"
	"strings"
	"testing"
)

// TestLayers: billing imports no package of this project, and the
// settings, the state and the root side use the vocabulary, not the
// engine (monitor).
func TestLayers(t *testing.T) {
	const module = "github.com/vnstat-exporter/vnstat-exporter/"
	for dir, allowed := range map[string][]string{
		".":          nil,
		"../config":  {"billing"},
		"../store":   {"billing"},
		"../actions": {"billing", "config"},
	} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if name, ok := strings.CutPrefix(imp, module); ok && !slices.Contains(allowed, name) {
				t.Errorf("%s imports %s; allowed: %v", dir, name, allowed)
			}
		}
	}
}
