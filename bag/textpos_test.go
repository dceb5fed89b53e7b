package bag_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

var errBad = errors.New("bad record")

// A stage over text lines that fails — an error of MapErr, a panic in Map
// or in a Filter, fused or not — names the file and line of the element,
// however the files are cut into partitions and blocks.
func TestTextStageErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		nfiles := rapid.IntRange(1, 3).Draw(t, "files")
		ext := rapid.SampledFrom([]string{".txt", ".txt.gz"}).Draw(t, "ext")
		var paths []string
		var lens []int
		for f := range nfiles {
			n := rapid.IntRange(1, 1500).Draw(t, "lines")
			var text strings.Builder
			for i := range n {
				fmt.Fprintf(&text, "%d\n", f*10000+i+1) // line i+1 of file f holds f·10⁴ + i + 1
			}
			path := filepath.Join(dir, "f"+strconv.Itoa(f)+ext)
			writeCompressed(t, path, text.String())
			paths, lens = append(paths, path), append(lens, n)
		}
		f := rapid.IntRange(0, nfiles-1).Draw(t, "bad file")
		line := rapid.IntRange(1, lens[f]).Draw(t, "bad line")
		bad := strconv.Itoa(f*10000 + line)
		block := rapid.Int64Range(64, 20000).Draw(t, "block")
		per := rapid.IntRange(1, 3).Draw(t, "files per partition")
		how := rapid.SampledFrom([]string{"map-err", "map", "filter", "map-filter", "filter-of-map-err"}).Draw(t, "stage")
		w := rapid.SampledFrom([]int{1, 3}).Draw(t, "workers")

		var g graph.Graph
		lines := bag.ReadText(&g, paths, bag.BlockSize(block), bag.FilesPerPartition(per))
		var out bag.Bag[int]
		wantStage := map[string]string{"map-err": "map", "map": "map", "filter": "filter", "map-filter": "filter", "filter-of-map-err": "filter"}[how]
		atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
		switch how {
		case "map-err":
			out = bag.MapErr(lines, func(s string) (int, error) {
				if s == bad {
					return 0, errBad
				}
				return atoi(s), nil
			})
		case "map":
			out = bag.Map(lines, func(s string) int {
				if s == bad {
					panic("bad record")
				}
				return atoi(s)
			})
		case "filter":
			out = bag.Map(bag.Filter(lines, func(s string) bool {
				if s == bad {
					panic("bad record")
				}
				return true
			}), atoi)
		case "map-filter", "filter-of-map-err":
			var m bag.Bag[int]
			if how == "map-filter" {
				m = bag.Map(lines, atoi)
			} else {
				m = bag.MapErr(lines, func(s string) (int, error) { return atoi(s), nil })
			}
			out = bag.Filter(m, func(v int) bool {
				if v == atoi(bad) {
					panic("bad record")
				}
				return true
			})
		}
		_, err := sched.Compute(ctx, bag.Sum(out), sched.Workers(w))
		var pe *bag.PartitionError
		if !errors.As(err, &pe) {
			t.Fatalf("no PartitionError: %v", err)
		}
		if pe.Stage != wantStage || pe.Path != paths[f] || pe.Line != line {
			t.Fatalf("stage %q at %s:%d, want %q at %s:%d (%v)", pe.Stage, pe.Path, pe.Line, wantStage, paths[f], line, err)
		}
		if want := fmt.Sprintf("%s: line %d (byte ", paths[f], line); !strings.Contains(err.Error(), want) {
			t.Fatalf("%q does not say %q", err, want)
		}
		var panicked *sched.PanicError
		if errors.As(err, &panicked) == (how == "map-err") || (how == "map-err" && !errors.Is(err, errBad)) {
			t.Fatalf("the cause is lost: %v", err)
		}
	})
}

// After a stage that changes positions (a Filter), or where a partition
// is read from another consumer's task, the error names the partition
// only: no file is made up.
func TestTextStageErrorsWithoutPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, path, "1\n2\n3\n4\n")
	var g graph.Graph
	lines := bag.ReadText(&g, []string{path})
	odd := bag.Filter(lines, func(s string) bool { return s != "2" })
	boom := bag.Map(odd, func(s string) int {
		if s == "3" {
			panic("boom")
		}
		return 1
	})
	_, err := sched.Compute(ctx, bag.Sum(boom))
	var pe *bag.PartitionError
	if !errors.As(err, &pe) || pe.Stage != "map" || pe.Path != "" || pe.Line != 0 {
		t.Fatalf("%#v", err)
	}
}
