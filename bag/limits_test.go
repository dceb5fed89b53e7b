package bag_test

import (
	"errors"
	"iter"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// The tests of issue 19's bag items: sizes that overflow or explode, lines
// without end, globs over directories, writes that fail half-way.

// firstOfEach keeps the first element of every partition (reading one
// block of it): a cheap look at where huge partitions start.
func firstOfEach(seq iter.Seq[int]) iter.Seq[int] {
	return func(yield func(int) bool) {
		for v := range seq {
			yield(v)
			return
		}
	}
}

func TestRangeOverflow(t *testing.T) {
	var g graph.Graph
	// hi-lo overflows int: an error, not an empty bag.
	for _, r := range [][2]int{{math.MinInt, math.MaxInt}, {-1, math.MaxInt}, {math.MinInt, 1}} {
		b := bag.Range(&g, r[0], r[1])
		if !errors.Is(b.Err(), bag.ErrInvalid) || !strings.Contains(b.Err().Error(), "more than") {
			t.Errorf("Range(%d, %d): %v, want ErrInvalid", r[0], r[1], b.Err())
		}
	}
	// The largest range there is: partitions start where they should (i·n
	// computed without overflow) and the last one ends at hi.
	lo, hi := -(1 << 62), 1<<62-1
	b := bag.Range(&g, lo, hi)
	if b.Err() != nil || b.NumPartitions() != 4096 {
		t.Fatal(b.Err(), b.NumPartitions())
	}
	firsts, err := bag.ToSlice(ctx, bag.MapPartitions(b, firstOfEach))
	if err != nil || len(firsts) != 4096 || firsts[0] != lo || !slices.IsSorted(firsts) {
		t.Fatal(len(firsts), err)
	}
	n := uint64(hi - lo)
	for i, f := range firsts {
		// ⌊i·n/4096⌋ with n < 2^63: i·(n/4096) + ⌊i·(n%4096)/4096⌋.
		want := lo + int(uint64(i)*(n/4096)+uint64(i)*(n%4096)/4096)
		if f != want {
			t.Fatalf("partition %d starts at %d, want %d", i, f, want)
		}
	}
	last := bag.Range(&g, math.MaxInt-3, math.MaxInt)
	if xs, err := bag.ToSlice(ctx, last); err != nil || !slices.Equal(xs, []int{math.MaxInt - 3, math.MaxInt - 2, math.MaxInt - 1}) {
		t.Fatal(xs, err)
	}
}

func TestPartitionCountLimit(t *testing.T) {
	var g graph.Graph
	for name, b := range map[string]bag.Bag[int]{
		"PartitionSize(1) of 1e12": bag.Range(&g, 0, 1e12, bag.PartitionSize(1)),
		"Partitions(1<<23)":        bag.Range(&g, 0, 10, bag.Partitions(1<<23)),
		"slice Partitions(1<<30)":  bag.FromSlice(&g, []int{1}, bag.Partitions(1<<30)),
	} {
		if !errors.Is(b.Err(), bag.ErrInvalid) || !strings.Contains(b.Err().Error(), "partitions") {
			t.Errorf("%s: %v, want ErrInvalid", name, b.Err())
		}
	}
	if b := bag.Range(&g, 0, math.MaxInt, bag.PartitionSize(math.MaxInt/3)); b.Err() != nil || b.NumPartitions() != 4 {
		t.Fatal(b.Err(), b.NumPartitions()) // ⌈n/size⌉ without overflow
	}
}

// TestTakeOfShortSequenceIsBounded: Take(FromSeq(ten elements), 1e11)
// costs a bounded graph and the memory of ten elements.
func TestTakeOfShortSequenceIsBounded(t *testing.T) {
	ten := slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	for _, opts := range [][]bag.Option{nil, {bag.PartitionSize(1000)}} {
		var g graph.Graph
		b := bag.Take(bag.FromSeq(&g, ten, opts...), 1e11)
		if n := b.NumPartitions(); n > 4096 {
			t.Fatalf("%d partitions, want at most 4096", n)
		}
		if g.Len() > 3*4096 {
			t.Fatalf("%d tasks", g.Len())
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		xs, err := bag.ToSlice(ctx, b, sched.Workers(2))
		runtime.ReadMemStats(&after)
		if err != nil || !slices.Equal(xs, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Fatal(xs, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Fatalf("the run allocated %d MiB", alloc>>20)
		}
	}
	// A long sequence cut in at most 4096 partitions keeps every element.
	var g graph.Graph
	b := bag.Take(bag.FromSeq(&g, naturals, bag.PartitionSize(1)), 10_000)
	if n := b.NumPartitions(); n != 3334 { // partitions of ⌈10000/4096⌉ = 3
		t.Fatal(n)
	}
	if s, err := sched.Compute(ctx, bag.Sum(b)); err != nil || s != 10_000*9_999/2 {
		t.Fatal(s, err)
	}
}

// TestReadTextLongLine: a line over MaxLineSize fails with an error naming
// the file and the line's offset; a line at the limit is read.
func TestReadTextLongLine(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"long.txt", "long.txt.gz"} {
		path := filepath.Join(dir, name)
		writeFile(t, path, "ok\n"+strings.Repeat("x", 100)+"\n"+strings.Repeat("y", 101)+"\nafter\n")
		var g graph.Graph
		_, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{path}, bag.MaxLineSize(100)))
		if !errors.Is(err, bag.ErrLineTooLong) || !strings.Contains(err.Error(), path+": line 3 (byte 104)") {
			t.Fatalf("%s: %v", name, err)
		}
		// A block that starts in the middle of the file reports the
		// offset within the file too.
		if !strings.HasSuffix(name, ".gz") {
			_, err = bag.ToSlice(ctx, bag.ReadText(&g, []string{path}, bag.MaxLineSize(100), bag.BlockSize(50)))
			if !errors.Is(err, bag.ErrLineTooLong) || !strings.Contains(err.Error(), "line 3 (byte 104)") {
				t.Fatalf("%s in blocks: %v", name, err)
			}
		}
		lines, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{path}, bag.MaxLineSize(101)))
		if err != nil || len(lines) != 4 {
			t.Fatal(len(lines), err)
		}
	}
	// A line much longer than the reader's buffer is refused after
	// reading about the limit, not the whole line.
	big := filepath.Join(dir, "big.txt")
	writeFile(t, big, strings.Repeat("z", 1<<20))
	var g graph.Graph
	if _, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{big}, bag.MaxLineSize(1000))); !errors.Is(err, bag.ErrLineTooLong) {
		t.Fatal(err)
	}
	if err := bag.ReadText(&g, []string{big}, bag.MaxLineSize(0)).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
}

// TestReadTextDevZero: the default limit ends a read of /dev/zero (one
// line without end) with an error, in bounded memory.
func TestReadTextDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero on this system")
	}
	var g graph.Graph
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := sched.Compute(ctx, bag.Count(bag.ReadText(&g, []string{"/dev/zero"})))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, bag.ErrLineTooLong) || !strings.Contains(err.Error(), "/dev/zero: line 1 (byte 0)") {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Fatalf("the read allocated %d MiB", alloc>>20)
	}
}

func TestReadTextGlobSkipsDirectories(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "a1\na2\n")
	writeFile(t, filepath.Join(dir, "c.txt"), "c1\n")
	if err := os.Mkdir(filepath.Join(dir, "b.d"), 0o777); err != nil {
		t.Fatal(err)
	}
	var g graph.Graph
	lines, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{filepath.Join(dir, "*")}))
	if err != nil || !slices.Equal(lines, []string{"a1", "a2", "c1"}) {
		t.Fatal(lines, err)
	}
	err = bag.ReadText(&g, []string{filepath.Join(dir, "*.d")}).Err()
	if !errors.Is(err, bag.ErrNoFiles) || !strings.Contains(err.Error(), "only directories") {
		t.Fatal(err)
	}
	err = bag.ReadText(&g, []string{filepath.Join(dir, "b.d")}).Err()
	if !errors.Is(err, bag.ErrInvalid) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatal(err)
	}
}

// TestWriteTextAllOrNothing: a write that fails in any way leaves no new
// file and keeps the files that were there; one that succeeds leaves no
// temporary file.
func TestWriteTextAllOrNothing(t *testing.T) {
	words := strings.Fields("a bb ccc dddd eeeee ffffff g hh iii jjjj kkkkk lllll")
	fails := map[string]func(string) (string, error){
		"error": func(s string) (string, error) {
			if s == "g" {
				time.Sleep(20 * time.Millisecond) // let the others finish first
				return "", errBoom
			}
			return s, nil
		},
		"panic": func(s string) (string, error) {
			if s == "lllll" {
				panic(errBoom)
			}
			return s, nil
		},
	}
	for name, f := range fails {
		for _, w := range []int{1, 3} {
			for _, keep := range []bool{false, true} {
				dir := t.TempDir()
				old := filepath.Join(dir, "03.txt")
				writeFile(t, old, "old\n")
				var g graph.Graph
				b := bag.MapErr(bag.FromSlice(&g, words, bag.Partitions(11)), f)
				opts := []sched.Option{sched.Workers(w)}
				if keep {
					opts = append(opts, sched.KeepGoing())
				}
				_, err := sched.Compute(ctx, bag.WriteText(b, filepath.Join(dir, "*.txt")), opts...)
				if !errors.Is(err, errBoom) {
					t.Fatal(err)
				}
				left, _ := os.ReadDir(dir)
				if len(left) != 1 || left[0].Name() != "03.txt" {
					t.Fatalf("%s, %d workers, keep-going %v: left %v", name, w, keep, left)
				}
				if data, _ := os.ReadFile(old); string(data) != "old\n" {
					t.Fatalf("%s: an existing file was replaced: %q", name, data)
				}
			}
		}
	}
	dir := t.TempDir()
	var g graph.Graph
	paths, err := sched.Compute(ctx, bag.WriteText(bag.FromSlice(&g, words, bag.Partitions(4)), filepath.Join(dir, "*.txt")), sched.Workers(2))
	if err != nil || len(paths) != 4 {
		t.Fatal(paths, err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"0.txt", "1.txt", "2.txt", "3.txt"}) {
		t.Fatal(names)
	}
	if st, _ := os.Stat(paths[0]); st.Mode().Perm() != 0o644 {
		t.Fatal(st.Mode())
	}
}

// TestDocTaskCounts keeps the package documentation's task counts true:
// a sum over a million integers is 147 tasks, over ten million 351.
func TestDocTaskCounts(t *testing.T) {
	for _, c := range []struct{ n, tasks int }{{1_000_000, 147}, {10_000_000, 351}} {
		var g graph.Graph
		nums := bag.Range(&g, 0, c.n)
		sq := bag.Map(nums, func(x int) int { return x * x })
		bag.Sum(bag.Filter(sq, func(x int) bool { return x%2 == 0 }))
		if g.Len() != c.tasks {
			t.Errorf("sum over %d integers: %d tasks, the documentation says %d", c.n, g.Len(), c.tasks)
		}
	}
}

func TestWriteTextNamed(t *testing.T) {
	dir := t.TempDir()
	var g graph.Graph
	b := bag.FromSlice(&g, []string{"a", "b", "c"}, bag.Partitions(3))
	_, err := sched.Compute(ctx, bag.WriteTextNamed(b, func(i int) string { return filepath.Join(dir, "same.txt") }))
	if !errors.Is(err, bag.ErrInvalid) || !strings.Contains(err.Error(), "both named") {
		t.Fatal(err)
	}
	if _, err := sched.Compute(ctx, bag.WriteTextNamed(b, nil)); !errors.Is(err, graph.ErrNilFunc) {
		t.Fatal(err)
	}
	failing := bag.MapErr(b, func(s string) (string, error) {
		if s == "c" {
			return "", errBoom
		}
		return s, nil
	})
	name := func(i int) string { return filepath.Join(dir, "sub", strconv.Itoa(10-i)+".txt") }
	if _, err := sched.Compute(ctx, bag.WriteTextNamed(failing, name), sched.Workers(2)); !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "sub")); len(left) != 0 {
		t.Fatal("left", left)
	}
	paths, err := sched.Compute(ctx, bag.WriteTextNamed(b, name))
	if err != nil || !slices.Equal(paths, []string{name(0), name(1), name(2)}) {
		t.Fatal(paths, err)
	}
	if data, _ := os.ReadFile(name(2)); string(data) != "c\n" {
		t.Fatalf("%q", data)
	}
}
