package bag_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// BenchmarkTextMap reads 10^6 short lines and counts them ("read"), sums
// their lengths with Map ("map": a stage over text, which tracks each
// element's line for its errors, one call per element) and with the same
// kernel as MapBlocks ("map-blocks", which does not track): the cost of
// the tracking is map's time over map-blocks', next to the reading.
//
//	go test ./bag -run '^$' -bench TextMap -count 5
func BenchmarkTextMap(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "lines.txt")
	var text strings.Builder
	for i := range n {
		fmt.Fprintf(&text, "line %d\n", i)
	}
	if err := os.WriteFile(path, []byte(text.String()), 0o666); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, d graph.Delayed[int]) {
		b.ReportAllocs()
		for range b.N {
			if _, err := sched.Compute(context.Background(), d); err != nil {
				b.Fatal(err)
			}
		}
		perElem(b, n)
	}
	strlen := func(s string) int { return len(s) }
	b.Run("read", func(b *testing.B) {
		var g graph.Graph
		run(b, bag.Count(bag.ReadText(&g, []string{path})))
	})
	b.Run("map", func(b *testing.B) {
		var g graph.Graph
		run(b, bag.Sum(bag.Map(bag.ReadText(&g, []string{path}), strlen)))
	})
	b.Run("map-blocks", func(b *testing.B) {
		var g graph.Graph
		run(b, bag.Sum(bag.MapBlocks(bag.ReadText(&g, []string{path}), func(dst []int, src []string) []int {
			for _, s := range src {
				dst = append(dst, strlen(s))
			}
			return dst
		})))
	})
}
