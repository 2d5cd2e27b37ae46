package linksrc

import "testing"

// BenchmarkNetlinkLinks is the real netlink read behind each sample.
func BenchmarkNetlinkLinks(b *testing.B) {
	n, err := NewLister("")
	if err != nil {
		b.Skip(err)
	}
	defer n.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Links(); err != nil {
			b.Fatal(err)
		}
	}
}
