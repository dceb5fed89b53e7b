package bag_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// A run that fails elsewhere while WriteText's partitions are being
// written leaves none of their files behind, the moment Compute returns
// (not a moment later): the run itself settles them.
func TestWriteTextSettledBeforeComputeReturns(t *testing.T) {
	errElsewhere := errors.New("another task failed")
	for _, w := range []int{2, 4} {
		for round := range 5 {
			dir := t.TempDir()
			var g graph.Graph
			words := bag.FromSlice(&g, []string{"a", "b", "c", "d", "e", "f", "g", "h"}, bag.Partitions(8))
			slow := bag.Map(words, func(s string) string { time.Sleep(time.Duration(len(s)+round) * time.Millisecond); return s })
			written := bag.WriteText(slow, filepath.Join(dir, "part-*.txt"))
			bad := graph.Source(&g, "bad", func(context.Context) (int, error) {
				time.Sleep(3 * time.Millisecond) // some partitions are done by now
				return 0, errElsewhere
			})
			_, _, err := sched.Compute2(context.Background(), written, bad, sched.Workers(w))
			if !errors.Is(err, errElsewhere) {
				t.Fatalf("workers=%d: %v", w, err)
			}
			// Either the write was committed before the failure (all eight
			// files, in place), or nothing of it is left: no temporary
			// file, no part of the set.
			left, _ := os.ReadDir(dir)
			var names []string
			for _, e := range left {
				names = append(names, e.Name())
			}
			if len(names) != 0 && !(len(names) == 8 && names[0] == "part-0.txt" && names[7] == "part-7.txt") {
				t.Fatalf("workers=%d: %v in the output directory as Compute returns", w, names)
			}
		}
	}
}
