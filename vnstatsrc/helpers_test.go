package vnstatsrc_test

import (
	"slices"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

func sortInterfaces(s []vnstatsrc.Interface, cmp func(a, b vnstatsrc.Interface) int) {
	slices.SortFunc(s, cmp)
}
