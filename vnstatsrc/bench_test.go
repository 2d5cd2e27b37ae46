package vnstatsrc_test

import (
	"testing"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// BenchmarkParse parses what the real vnstat printed for 20 interfaces with
// 62 days each.
func BenchmarkParse(b *testing.B) {
	out, err := vnstattest.Captured("bench-20x62")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := vnstatsrc.Parse(out); err != nil {
			b.Fatal(err)
		}
	}
}
