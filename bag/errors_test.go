package bag_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

var errBoom = errors.New("boom")

// partitionErr checks that err is a TaskError wrapping a PartitionError of
// the given stage and partition, and returns it.
func partitionErr(t *testing.T, err error, stage string, partition int) *bag.PartitionError {
	t.Helper()
	var te *sched.TaskError
	var pe *bag.PartitionError
	if !errors.As(err, &te) || !errors.As(err, &pe) {
		t.Fatalf("want a TaskError wrapping a PartitionError, got %v", err)
	}
	if pe.Stage != stage || pe.Partition != partition {
		t.Fatalf("want stage %q partition %d, got %q %d (%v)", stage, partition, pe.Stage, pe.Partition, err)
	}
	if !strings.Contains(te.Name, stage) {
		t.Fatalf("task name %q does not list stage %q", te.Name, stage)
	}
	return pe
}

func TestStageErrorsNameStageAndPartition(t *testing.T) {
	ctx := context.Background()
	for _, w := range []int{1, 2} {
		var g graph.Graph
		// Each case reads nums from a graph of its own: consumers of one
		// partition in one graph share its stages (see share.go), so the
		// first case's failing map would fail the others.
		var nums bag.Bag[int]
		fresh := func() {
			var g graph.Graph
			nums = bag.Range(&g, 0, 100, bag.Partitions(4)) // 25 per partition
		}
		fresh()
		failing := bag.MapErr(nums, func(x int) (int, error) {
			if x == 60 {
				return 0, errBoom
			}
			return x, nil
		})
		_, err := sched.Compute(ctx, bag.Sum(bag.Filter(failing, even)), sched.Workers(w))
		partitionErr(t, err, "map", 2)
		if !errors.Is(err, errBoom) {
			t.Fatal(err)
		}

		fresh()
		panicky := bag.Filter(bag.Map(nums, square), func(x int) bool {
			if x == 81*81 {
				panic("odd square")
			}
			return true
		})
		_, err = bag.ToSlice(ctx, panicky, sched.Workers(w))
		partitionErr(t, err, "filter", 3)
		var pe *sched.PanicError
		if !errors.As(err, &pe) || pe.Value != "odd square" || len(pe.Stack) == 0 {
			t.Fatal(err)
		}

		// A Filter right after a Map runs in the map's loop: a panic
		// there is still the failing function's stage's.
		fresh()
		_, err = sched.Compute(ctx, bag.Sum(bag.Filter(bag.Map(nums, func(x int) int {
			if x == 30 {
				panic("in the map")
			}
			return x
		}), even)), sched.Workers(w))
		partitionErr(t, err, "map", 1)

		fresh()
		_, err = sched.Compute(ctx, bag.Fold(nums, 0, func(a, x int) int { return a / (x - 30) }, addInts), sched.Workers(w))
		partitionErr(t, err, "fold", 1)

		seq := func(yield func(int) bool) {
			for i := range 10 {
				if i == 7 {
					panic(errBoom)
				}
				yield(i)
			}
		}
		_, err = bag.ToSlice(ctx, bag.Take(bag.FromSeq(&g, seq, bag.PartitionSize(3)), 10), sched.Workers(w))
		partitionErr(t, err, "from-seq", 2)
		if !errors.Is(err, errBoom) { // the panic value was an error
			t.Fatal(err)
		}
		_, err = bag.ToSlice(ctx, bag.Take(bag.Filter(bag.FromSeq(&g, seq), even), 10), sched.Workers(w))
		partitionErr(t, err, "from-seq", 0)
	}
}

func TestBuildingMistakes(t *testing.T) {
	ctx := context.Background()
	var g graph.Graph
	nums := bag.Range(&g, 0, 10)
	endless := bag.FromSeq(&g, naturals)
	cases := []struct {
		name string
		b    bag.Bag[int]
		want error
	}{
		{"nil map", bag.Map[int, int](nums, nil), graph.ErrNilFunc},
		{"nil filter", bag.Filter(nums, nil), graph.ErrNilFunc},
		{"nil flat-map", bag.FlatMap[int, int](nums, nil), graph.ErrNilFunc},
		{"nil map-blocks", bag.MapBlocks[int, int](nums, nil), graph.ErrNilFunc},
		{"nil seq", bag.FromSeq[int](&g, nil), graph.ErrNilFunc},
		{"negative take", bag.Take(nums, -1), bag.ErrInvalid},
		{"zero partitions", bag.Range(&g, 0, 10, bag.Partitions(0)), bag.ErrInvalid},
		{"bad size", bag.FromSlice(&g, []int{1}, bag.PartitionSize(-2)), bag.ErrInvalid},
		{"seq partitions", bag.FromSeq(&g, naturals, bag.Partitions(3)), bag.ErrInvalid},
		{"repartition 0", bag.Repartition(nums, 0), bag.ErrInvalid},
		{"unbounded repartition", bag.Repartition(endless, 2), bag.ErrUnbounded},
		{"unbounded concat", bag.Concat(nums, endless), bag.ErrUnbounded},
		{"zero handle", bag.FromDelayed(&g, graph.Delayed[[]int]{}), graph.ErrZeroHandle},
		{"mistake carried", bag.Map(bag.Take(nums, -1), square), bag.ErrInvalid},
	}
	for _, c := range cases {
		if !errors.Is(c.b.Err(), c.want) {
			t.Errorf("%s: Err() = %v, want %v", c.name, c.b.Err(), c.want)
		}
		if _, err := bag.ToSlice(ctx, c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: ToSlice error = %v, want %v", c.name, err, c.want)
		}
	}
	delayed := []struct {
		name string
		d    graph.Delayed[int]
		want error
	}{
		{"unbounded sum", bag.Sum(endless), bag.ErrUnbounded},
		{"unbounded after map", bag.Count(bag.Map(endless, square)), bag.ErrUnbounded},
		{"nil reduce", bag.Reduce(nums, nil), graph.ErrNilFunc},
		{"split every 1", bag.Sum(nums, bag.SplitEvery(1)), bag.ErrInvalid},
		{"reduce of nothing", bag.Reduce(bag.Filter(nums, func(int) bool { return false }), addInts), bag.ErrEmpty},
	}
	for _, c := range delayed {
		if _, err := sched.Compute(ctx, c.d); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := sched.Compute(ctx, bag.TopK(nums, -1, func(a, b int) int { return a - b })); !errors.Is(err, bag.ErrInvalid) {
		t.Error(err)
	}
	if _, err := sched.Compute(ctx, bag.Var(nums, -1)); !errors.Is(err, bag.ErrInvalid) {
		t.Error(err)
	}
	if _, err := sched.Compute(ctx, bag.Std(nums, 10)); !errors.Is(err, bag.ErrEmpty) {
		t.Error(err)
	}
	if err := bag.Zip(nums, bag.Range(&g, 0, 10, bag.Partitions(2))).Err(); !errors.Is(err, bag.ErrMismatch) {
		t.Error(err)
	}
	var other graph.Graph
	if err := bag.Concat(nums, bag.Range(&other, 0, 3)).Err(); !errors.Is(err, bag.ErrMismatch) {
		t.Error(err)
	}
	// Same partition count, different lengths: found when computed.
	_, err := bag.ToSlice(ctx, bag.Zip(nums, bag.Filter(nums, func(x int) bool { return x != 5 })))
	partitionErr(t, err, "zip", 5) // one element per partition
	if !errors.Is(err, bag.ErrMismatch) {
		t.Error(err)
	}
}

// TestSequenceStops: however a run over a sequence ends, the coroutine that
// cuts it is stopped and no goroutine is left.
func TestSequenceStops(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	var stopped atomic.Int32
	counted := func(yield func(int) bool) {
		defer stopped.Add(1)
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	}
	var g graph.Graph
	chunks := bag.Take(bag.FromSeq(&g, iter.Seq[int](counted), bag.PartitionSize(10)), 95)

	// A complete run.
	if v, err := sched.Compute(ctx, bag.Sum(chunks), sched.Workers(2)); v != 94*95/2 || err != nil {
		t.Fatal(v, err)
	}
	// A run that needs only the first chunk.
	if xs, err := sched.Compute(ctx, chunks.ToDelayed()[0]); len(xs) != 10 || err != nil {
		t.Fatal(xs, err)
	}
	// A run that fails half-way.
	failing := bag.MapErr(chunks, func(x int) (int, error) {
		if x == 42 {
			return 0, errBoom
		}
		return x, nil
	})
	for _, w := range []int{1, 2} {
		if _, err := sched.Compute(ctx, bag.Sum(failing), sched.Workers(w)); !errors.Is(err, errBoom) {
			t.Fatal(err)
		}
	}
	// A cancelled run.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := sched.Compute(cctx, bag.Sum(chunks)); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// A streaming Take, and a consumer that stops early.
	if xs, err := bag.ToSlice(ctx, bag.Take(bag.Filter(bag.FromSeq(&g, iter.Seq[int](counted)), even), 5)); len(xs) != 5 || err != nil {
		t.Fatal(xs, err)
	}
	for range bag.Iter(ctx, chunks, sched.Workers(2)) {
		break
	}
	goleak.VerifyNone(t)
	if stopped.Load() == 0 {
		t.Fatal("the sequence was never stopped")
	}
}

// TestCancelStopsTasks: cancelling the context stops a long partition
// within a block.
func TestCancelStopsTasks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var g graph.Graph
	var seen atomic.Int64
	b := bag.Map(bag.Range(&g, 0, 1<<40, bag.Partitions(2)), func(x int) int {
		if seen.Add(1) == 10_000 {
			cancel()
		}
		return x
	})
	if _, err := sched.Compute(ctx, bag.Sum(b), sched.Workers(2)); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// TestBoundedLivePartitions: a pipeline over a sequence holds a bounded
// number of partitions at once, however many there are. The scheduler's
// PeakLive counts every result held: the chunks cut from the sequence (a
// few per worker, as the chain of cuts runs at most one ahead of each
// worker) and the tree's partial sums, of which each worker's current path
// through the tree holds at most SplitEvery-1 per level. So the peak grows
// with workers × depth, and 4096 partitions hold a few dozen results.
func TestBoundedLivePartitions(t *testing.T) {
	const every = 4
	peak := func(partitions, workers int) int {
		var g graph.Graph
		const size = 8
		b := bag.Take(bag.FromSeq(&g, naturals, bag.PartitionSize(size)), partitions*size)
		sum := bag.Sum(bag.Filter(bag.Map(b, square), even), bag.SplitEvery(every))
		var live int
		_, err := sched.Compute(context.Background(), sum, sched.Workers(workers),
			sched.WithHooks(sched.Hooks{RunDone: func(s sched.RunStats) { live = s.PeakLive }}))
		if err != nil {
			t.Fatal(err)
		}
		return live
	}
	for _, w := range []int{1, 2, 4} {
		const depth = 6 // 4^6 = 4096
		small, large := peak(64, w), peak(4096, w)
		if bound := w*(every-1)*depth + 4*w + 4; large > bound {
			t.Errorf("%d workers: peak live results %d for 4096 partitions, more than %d", w, large, bound)
		}
		t.Logf("%d workers: peak live results %d (64 partitions), %d (4096)", w, small, large)
	}
}
