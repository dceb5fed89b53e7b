package sched_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// A chain of 1,000 tasks, each making a 1 MiB buffer from the previous
// one, holds only a few buffers at any moment: each is released as soon as
// its reader is done. Counted twice: by the scheduler's own count
// (RunStats.PeakLive), and by the tasks themselves, which look at which
// earlier links still hold a result while they run.
func TestChainReleasesIntermediates(t *testing.T) {
	const n, size = 1000, 1 << 20
	// A gigabyte goes through the allocator; collecting every few
	// megabytes would make this test slow, and the counts below do not
	// depend on when the collector runs.
	defer debug.SetGCPercent(debug.SetGCPercent(2000))
	for _, w := range []int{1, 2} {
		t.Run(fmt.Sprint("workers=", w), func(t *testing.T) {
			var g graph.Graph
			links := make([]graph.Delayed[[]byte], n)
			var made, maxHeld atomic.Int64
			seed := graph.Value(&g, "seed", []byte{0})
			prev := seed
			for i := range links {
				links[i] = graph.Call(&g, "link", func(in []byte) []byte {
					// Count the earlier links whose result is still stored:
					// the last few every time, all of them now and then.
					earlier := links[max(0, i-8):i]
					if i%100 == 0 {
						earlier = links[:i]
					}
					held := int64(0)
					for _, l := range earlier {
						if sched.Stored(l) != nil {
							held++
						}
					}
					if held > maxHeld.Load() {
						maxHeld.Store(held)
					}
					made.Add(1)
					out := make([]byte, size)
					out[0] = in[0] + 1
					return out
				}, prev)
				prev = links[i]
			}

			var stats sched.RunStats
			last, err := sched.Compute(context.Background(), links[n-1], sched.Workers(w),
				sched.WithHooks(sched.Hooks{RunDone: func(s sched.RunStats) { stats = s }}))
			if err != nil || len(last) != size || last[0] != byte(n%256) {
				t.Fatalf("last link: %d bytes starting %d, %v", len(last), last[0], err)
			}
			if made.Load() != n {
				t.Errorf("%d buffers made, want %d", made.Load(), n)
			}
			if stats.PeakLive > 3 {
				t.Errorf("PeakLive = %d task results at once, want at most 3", stats.PeakLive)
			}
			if stats.PeakLive < 1 {
				t.Errorf("PeakLive = %d: the count is not kept", stats.PeakLive)
			}
			if h := maxHeld.Load(); h > 2 {
				t.Errorf("a link saw %d earlier results still stored, want at most 2", h)
			}
			// After the run the graph holds no result: not the
			// intermediates, not even the target (it was returned).
			for i, l := range links {
				if sched.Stored(l) != nil {
					t.Fatalf("link %d still holds its result after Compute returned", i)
				}
			}
			if sched.Stored(seed) == nil {
				t.Error("the Value leaf lost its constant")
			}
		})
	}
}

// A result read by several tasks lives until the last of them is done, and
// not longer.
func TestFanOutReleasedAfterLastReader(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 3)
		shared := graph.Call(&g, "shared", func(v int) []int { return []int{v, v, v} }, x)
		readers := make([]graph.Delayed[int], 5)
		for i := range readers {
			readers[i] = graph.Call(&g, "reader", func(s []int) int {
				if s == nil {
					panic("the shared result was released before this reader ran")
				}
				return s[0] + i
			}, shared)
		}
		var heldAfter atomic.Bool
		after := graph.CallSlice(&g, "after", func(_ context.Context, xs []int) (int, error) {
			heldAfter.Store(sched.Stored(shared) != nil)
			s := 0
			for _, v := range xs {
				s += v
			}
			return s, nil
		}, readers)
		v, err := sched.Compute(context.Background(), after, sched.Workers(w))
		if v != 5*3+0+1+2+3+4 || err != nil {
			t.Fatalf("workers=%d: %d, %v", w, v, err)
		}
		if heldAfter.Load() {
			t.Errorf("workers=%d: the shared result was still held after all its readers were done", w)
		}
	}
}

// A target that is also read by other tasks is kept for the caller.
func TestTargetThatIsAlsoAnArgumentIsKept(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 2)
		mid := graph.Call(&g, "mid", twice, x)
		end := graph.Call(&g, "end", twice, mid)
		vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{mid, end, mid}, sched.Workers(w))
		if err != nil || fmt.Sprint(vs) != "[4 8 4]" {
			t.Errorf("workers=%d: %v, %v", w, vs, err)
		}
		if sched.Stored(mid) != 0 || sched.Stored(end) != 0 {
			t.Errorf("workers=%d: targets still stored after the run", w)
		}
	}
}

// After a failed run nothing is left in the graph either, and the next run
// starts from scratch.
func TestFailedRunReleasesEverything(t *testing.T) {
	for _, w := range workerCounts {
		for _, keepGoing := range []bool{false, true} {
			var g graph.Graph
			x := graph.Value(&g, "x", 1)
			fail := true
			a := graph.Call(&g, "a", func(v int) []int { return []int{v} }, x)
			b := graph.Call(&g, "b", func(v int) []int { return []int{v, v} }, x)
			c := graph.CallCtx2(&g, "c", func(_ context.Context, p, q []int) (int, error) {
				if fail {
					return 0, errDisk
				}
				return len(p) + len(q), nil
			}, a, b)
			opts := []sched.Option{sched.Workers(w)}
			if keepGoing {
				opts = append(opts, sched.KeepGoing())
			}
			vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{c, graph.Call(&g, "d", func(p []int) int { return len(p) }, a)}, opts...)
			if !errors.Is(err, errDisk) {
				t.Fatalf("workers=%d keepGoing=%v: %v", w, keepGoing, err)
			}
			if keepGoing && vs[1] != 1 {
				t.Errorf("workers=%d: keep-going lost the successful target: %v", w, vs)
			}
			if sched.Stored(a) != nil || sched.Stored(b) != nil {
				t.Errorf("workers=%d keepGoing=%v: intermediates still stored after a failed run", w, keepGoing)
			}
			fail = false
			if v, err := sched.Compute(context.Background(), c, sched.Workers(w)); v != 3 || err != nil {
				t.Errorf("workers=%d: the run after a failure gives %d, %v", w, v, err)
			}
		}
	}
}
