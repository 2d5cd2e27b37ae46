package traffic

import "testing"

func TestSizeSI(t *testing.T) {
	for n, want := range map[uint64]string{999: "999 B", 1000: "1.00 kB", 442_779_402_240: "442.78 GB", 1_500_000_000_000: "1.50 TB"} {
		if got := SizeSI(n); got != want {
			t.Errorf("SizeSI(%d) = %q, want %q", n, got, want)
		}
	}
	if SizeFor(500e9)(400e9) != "400.00 GB" || SizeFor(500<<30)(400<<30) != "400.00 GiB" || SizeFor(0)(1000) != "1.00 kB" {
		t.Error("SizeFor: decimal beside a decimal quota, binary beside a binary one, decimal without")
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1.00 KiB", 1536: "1.50 KiB", 500 << 30: "500.00 GiB", 1<<64 - 1: "16.00 EiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
