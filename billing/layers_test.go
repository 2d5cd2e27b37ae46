package billing

import (
	"go/build"
	"slices"
	"strings"
	"testing"
)

// TestLayers: billing imports no package of this project, traffic only
// billing, phrases only traffic, and the settings, the state, the root
// side, the HTTP server, the alerts and the Telegram bot use the
// vocabularies, not the engine (monitor).
func TestLayers(t *testing.T) {
	const module = "github.com/vnstat-exporter/vnstat-exporter/"
	for dir, allowed := range map[string][]string{
		".":          nil,
		"../config":  {"billing"},
		"../store":   {"billing"},
		"../actions": {"billing", "config"},
		"../traffic": {"billing"},
		"../phrases": {"traffic"},
		"../api":     {"billing", "config", "phrases", "traffic"},
		"../alert":   {"actions", "billing", "config", "phrases", "store", "traffic"},
		"../bot":     {"billing", "phrases", "store", "traffic"},
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
