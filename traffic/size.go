package traffic

import (
	"fmt"
	"math/big"
)

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

// Ratio2 is a*mul/den with two decimals, rounded half up, computed
// exactly: the webhook's MiB (mul 1, den 2^20) and percentages (mul 100,
// den the limit).
func Ratio2(a, mul, den uint64) string {
	// hundredths = floor((a*mul*100 + den/2) / den)
	n := new(big.Int).SetUint64(a)
	n.Mul(n, new(big.Int).SetUint64(mul*100))
	d := new(big.Int).SetUint64(den)
	n.Add(n, new(big.Int).Rsh(d, 1))
	n.Quo(n, d)
	whole, frac := n.QuoRem(n, big.NewInt(100), new(big.Int))
	f := frac.Int64()
	return whole.String() + "." + string(rune('0'+f/10)) + string(rune('0'+f%10))
}
