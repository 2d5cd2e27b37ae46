package traffic

import "fmt"

// SizeFor returns how bytes are shown beside a quota of limit bytes: in
// binary units (Size) when the limit is a whole number of MiB, else
// decimal (SizeSI), as providers sell traffic.
func SizeFor(limit uint64) func(uint64) string {
	if limit > 0 && limit%(1<<20) == 0 {
		return Size
	}
	return SizeSI
}

// Size formats bytes in binary units with two decimals: 412.35 GiB.
func Size(n uint64) string {
	return formatSize(n, 1024, []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"})
}

// SizeSI formats bytes in decimal units with two decimals: 442.78 GB.
func SizeSI(n uint64) string {
	return formatSize(n, 1000, []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"})
}

func formatSize(n uint64, base float64, units []string) string {
	if float64(n) < base {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= base && i < len(units)-1 {
		v /= base
		i++
	}
	return fmt.Sprintf("%.2f %s", v, units[i])
}
