package bag_test

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

var errBad = errors.New("bad record")

// A stage over text lines that fails — an error of MapErr, a panic in
// Map, Filter, FlatMap or MapWith, fused or not, after stages that drop or
// multiply elements (Filter, FlatMap, FilterWith) or pass them through
// (Pluck, a tee for another consumer) — names the file and line of the
// element, however the files are cut into partitions and blocks.
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
		badV := f*10000 + line
		bad := strconv.Itoa(badV)
		block := rapid.Int64Range(64, 20000).Draw(t, "block")
		per := rapid.IntRange(1, 3).Draw(t, "files per partition")
		how := rapid.SampledFrom(slices.Sorted(maps.Keys(textStages))).Draw(t, "stage")
		// Stages that drop or repeat elements do it by a drawn modulus, so
		// that places shift within and across blocks; the bad line is
		// always kept, at least once.
		mod := rapid.IntRange(2, 7).Draw(t, "modulus")
		tee := rapid.SampledFrom([]string{"none", "lines", "out"}).Draw(t, "another consumer of")
		w := rapid.SampledFrom([]int{1, 3}).Draw(t, "workers")

		var g graph.Graph
		lines := bag.ReadText(&g, paths, bag.BlockSize(block), bag.FilesPerPartition(per))
		ts := textStages[how]
		var later []bag.Bag[int]
		out := ts.build(lines, textCase{bad: bad, badV: badV, mod: mod, later: &later})
		results := []graph.Delayed[any]{graph.Call(&g, "box", func(v int) any { return v }, bag.Sum(out))}
		// Consumers built after the failing one read what its task keeps
		// for them: the lines, the result, or a stage in between.
		switch tee {
		case "lines":
			later = append(later, bag.Map(lines, atoi))
		case "out":
			later = append(later, out)
		}
		for _, b := range later {
			results = append(results, graph.Call(&g, "box", func(v int) any { return v }, bag.Count(b)))
		}
		_, err := sched.ComputeAll(ctx, results, sched.Workers(w))
		var pe *bag.PartitionError
		if !errors.As(err, &pe) {
			t.Fatalf("no PartitionError: %v", err)
		}
		if pe.Stage != ts.stage || pe.Path != paths[f] || pe.Line != line {
			t.Fatalf("stage %q at %s:%d, want %q at %s:%d (%v)", pe.Stage, pe.Path, pe.Line, ts.stage, paths[f], line, err)
		}
		if want := fmt.Sprintf("%s: line %d (byte ", paths[f], line); !strings.Contains(err.Error(), want) {
			t.Fatalf("%q does not say %q", err, want)
		}
		var panicked *sched.PanicError
		if errors.As(err, &panicked) == ts.errs || (ts.errs && !errors.Is(err, errBad)) {
			t.Fatalf("the cause is lost: %v", err)
		}
	})
}

// textCase is the bad record of one draw and how the stages before the
// failing one thin or repeat the lines.
type textCase struct {
	bad  string
	badV int
	mod  int
	// later are more bags to consume, after the failing pipeline's
	// consumer: stages of it shared with them.
	later *[]bag.Bag[int]
}

func atoi(s string) int { v, _ := strconv.Atoi(s); return v }

// keep drops every mod-th value but the bad one.
func (c textCase) keep(v int) bool { return v%c.mod != 0 || v == c.badV }

// copies is how many times FlatMap repeats v: 0 to mod-1, at least once
// for the bad value.
func (c textCase) copies(v int) int {
	if v == c.badV {
		return max(1, v%c.mod)
	}
	return v % c.mod
}

func (c textCase) mustNot(v int) int {
	if v == c.badV {
		panic("bad record")
	}
	return v
}

// textStages are the pipelines of TestTextStageErrorsNameFileAndLine: the
// stage that fails, whether it fails with an error (not a panic), and the
// pipeline over the lines.
var textStages = map[string]struct {
	stage string
	errs  bool
	build func(bag.Bag[string], textCase) bag.Bag[int]
}{
	"map-err": {"map", true, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		return bag.MapErr(b, func(s string) (int, error) {
			if s == c.bad {
				return 0, errBad
			}
			return atoi(s), nil
		})
	}},
	"map": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		return bag.Map(b, func(s string) int { return c.mustNot(atoi(s)) })
	}},
	"filter": {"filter", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		return bag.Map(bag.Filter(b, func(s string) bool { c.mustNot(atoi(s)); return true }), atoi)
	}},
	"map-filter": {"filter", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		return bag.Filter(bag.Map(b, atoi), func(v int) bool { c.mustNot(v); return true })
	}},
	"filter-of-map-err": {"filter", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		m := bag.MapErr(b, func(s string) (int, error) { return atoi(s), nil })
		return bag.Filter(m, func(v int) bool { c.mustNot(v); return true })
	}},
	"map-after-filter": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		kept := bag.Filter(b, func(s string) bool { return c.keep(atoi(s)) })
		return bag.Map(kept, func(s string) int { return c.mustNot(atoi(s)) })
	}},
	"map-filter-shared": {"filter", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		m := bag.Map(b, atoi)
		*c.later = append(*c.later, m) // the map's task keeps m, then filters
		return bag.Filter(m, func(v int) bool { c.mustNot(v); return c.keep(v) })
	}},
	"map-after-map-filter": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		kept := bag.Filter(bag.Map(b, atoi), c.keep) // fused into the map's loop
		return bag.Map(kept, c.mustNot)
	}},
	"map-err-after-remove": {"map", true, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		kept := bag.Remove(bag.Map(b, atoi), func(v int) bool { return !c.keep(v) })
		return bag.MapErr(kept, func(v int) (int, error) {
			if v == c.badV {
				return 0, errBad
			}
			return v, nil
		})
	}},
	"flat-map": {"flat-map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		return bag.FlatMap(b, func(s string) iter.Seq[int] {
			return func(yield func(int) bool) {
				v := atoi(s)
				for range v % c.mod {
					if !yield(v) {
						return
					}
				}
				c.mustNot(v) // after yielding: the outputs went downstream
			}
		})
	}},
	"map-after-flat-map": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		repeated := bag.FlatMap(bag.Map(b, atoi), func(v int) iter.Seq[int] {
			return func(yield func(int) bool) {
				for range c.copies(v) {
					if !yield(v) {
						return
					}
				}
			}
		})
		return bag.Map(repeated, c.mustNot)
	}},
	"map-after-pluck": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		records := bag.Map(b, func(s string) map[string]int { return map[string]int{"v": atoi(s)} })
		kept := bag.Filter(records, func(m map[string]int) bool { return c.keep(m["v"]) })
		return bag.Map(bag.Pluck(kept, "v"), c.mustNot)
	}},
	"map-with": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		bad := graph.Value(b.Graph(), "bad", c.bad)
		kept := bag.Filter(b, func(s string) bool { return c.keep(atoi(s)) })
		return bag.MapWith(kept, bad, func(s, bad string) int {
			if s == bad {
				panic("bad record")
			}
			return atoi(s)
		})
	}},
	"map-after-filter-with": {"map", false, func(b bag.Bag[string], c textCase) bag.Bag[int] {
		mod := graph.Value(b.Graph(), "mod", c.mod)
		kept := bag.FilterWith(bag.Map(b, atoi), mod, func(v, mod int) bool { return v%mod != 0 || v == c.badV })
		return bag.Map(kept, c.mustNot)
	}},
}

// After a stage that makes blocks of its own without carrying places
// (MapBlocks, MapPartitions), or where a partition is read from another
// consumer's task, the error names the partition only: no file is made
// up. Blocks of zero-size elements, which all start at one address, are
// told apart too.
func TestTextStageErrorsWithoutPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, path, "1\n2\n3\n4\n")
	boom := func(s string) int {
		if s == "3" {
			panic("boom")
		}
		return 1
	}
	cases := map[string]func(g *graph.Graph) graph.Delayed[int]{
		"map-blocks": func(g *graph.Graph) graph.Delayed[int] {
			lines := bag.ReadText(g, []string{path})
			odd := bag.MapBlocks(lines, func(dst, src []string) []string {
				for _, s := range src {
					if s != "2" {
						dst = append(dst, s)
					}
				}
				return dst
			})
			return bag.Sum(bag.Map(odd, boom))
		},
		"map-partitions": func(g *graph.Graph) graph.Delayed[int] {
			lines := bag.ReadText(g, []string{path})
			odd := bag.MapPartitions(lines, func(in iter.Seq[string]) iter.Seq[string] {
				return func(yield func(string) bool) {
					for s := range in {
						if s != "2" && !yield(s) {
							return
						}
					}
				}
			})
			return bag.Sum(bag.Map(odd, boom))
		},
		"shared": func(g *graph.Graph) graph.Delayed[int] {
			lines := bag.ReadText(g, []string{path})
			n := bag.Count(lines) // the first consumer keeps the lines
			fails := bag.Sum(bag.Map(lines, boom))
			return graph.Call2(g, "both", func(a, b int) int { return a + b }, n, fails)
		},
		"zero-size": func(g *graph.Graph) graph.Delayed[int] {
			writeFile(t, path+".json", "{}\n{}\n{}\n{}\n")
			objs := bag.ReadJSON[struct{}](g, []string{path + ".json"})
			fewer := bag.MapBlocks(objs, func(dst, src []struct{}) []struct{} { return append(dst, src[1:]...) })
			calls := 0
			return bag.Sum(bag.Map(fewer, func(struct{}) int {
				if calls++; calls == 2 {
					panic("boom") // the third line: a made-up place would say line 2
				}
				return 1
			}))
		},
	}
	for name, build := range cases {
		var g graph.Graph
		_, err := sched.Compute(ctx, build(&g))
		var pe *bag.PartitionError
		if !errors.As(err, &pe) || pe.Stage != "map" || pe.Path != "" || pe.Line != 0 {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// BenchmarkTextMapAfterFilter is BenchmarkTextMap's map after stages that
// change the elements' places: a Filter keeping half the lines, then a
// Map ("filter-map"), and a FlatMap repeating each line 0–2 times
// ("flat-map"), both over text, which carries the places on, and the same
// pipelines over the lines as a slice, which carries none.
//
//	go test ./bag -run '^$' -bench TextMap -count 5 -cpu 1
func BenchmarkTextMapAfterFilter(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "lines.txt")
	var text strings.Builder
	lines := make([]string, n)
	for i := range n {
		lines[i] = fmt.Sprintf("line %d", i)
		text.WriteString(lines[i])
		text.WriteByte('\n')
	}
	writeFile(b, path, text.String())
	run := func(b *testing.B, d graph.Delayed[int]) {
		b.ReportAllocs()
		for range b.N {
			if _, err := sched.Compute(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
		perElem(b, n)
	}
	strlen := func(s string) int { return len(s) }
	even := func(s string) bool { return len(s)%2 == 0 }
	repeat := func(s string) iter.Seq[string] {
		return func(yield func(string) bool) {
			for range len(s) % 3 {
				if !yield(s) {
					return
				}
			}
		}
	}
	sources := map[string]func(*graph.Graph) bag.Bag[string]{
		"text":  func(g *graph.Graph) bag.Bag[string] { return bag.ReadText(g, []string{path}) },
		"slice": func(g *graph.Graph) bag.Bag[string] { return bag.FromSlice(g, lines, bag.Partitions(1)) },
	}
	for _, src := range []string{"text", "slice"} {
		b.Run("filter-map/"+src, func(b *testing.B) {
			var g graph.Graph
			run(b, bag.Sum(bag.Map(bag.Filter(sources[src](&g), even), strlen)))
		})
		b.Run("flat-map/"+src, func(b *testing.B) {
			var g graph.Graph
			run(b, bag.Sum(bag.Map(bag.FlatMap(sources[src](&g), repeat), strlen)))
		})
	}
}
