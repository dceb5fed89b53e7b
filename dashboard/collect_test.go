package dashboard

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/sched"
)

// The packed words of tasks order as their starts do, and unpack to what
// was packed.
func TestPack(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st := rapid.Int32Range(0, maxStages-1).Draw(t, "stage")
		id := rapid.Int32Range(-1, 1<<22).Draw(t, "id")
		start := time.Duration(rapid.Int64Range(0, 1<<usBits-1).Draw(t, "units")) << unitShift
		w := pack(st, id, start)
		c := unpack(w)
		wantID := id
		if id >= noID {
			wantID = -1
		}
		if w == 0 || c.stage != st || c.id != wantID || c.start != start {
			t.Fatalf("pack(%d, %d, %v) = %#x unpacks to %+v", st, id, start, w, c)
		}
		later := start + time.Duration(rapid.Int64Range(1, 1e9).Draw(t, "later"))<<unitShift
		if later < 1<<(usBits+unitShift) && pack(rapid.Int32Range(0, maxStages-1).Draw(t, "st2"), 0, later) <= w {
			t.Fatalf("a later start packs smaller")
		}
	})
}

// A worker is busy from a task's start to its end, and a task that
// computed a graph on its worker (nested tasks) leaves it idle once the
// nested ones are done.
func TestCurrent(t *testing.T) {
	var c collector
	c.start(nil, time.Time{}, 3, 1)
	busy := func() (bool, current) {
		var v workerView
		c.view(1, 0, &v)
		return v.busy, v.cur
	}
	if b, _ := busy(); b {
		t.Fatal("busy before any task")
	}
	c.started(0, 2, 7, time.Millisecond)
	if b, cur := busy(); !b || cur.stage != 2 || cur.id != 7 || time.Millisecond-cur.start > 1100*time.Nanosecond {
		t.Fatalf("after a start: %v %+v", b, cur)
	}
	c.finished(0, 2, 7, sched.Done, time.Millisecond, time.Millisecond)
	if b, _ := busy(); b {
		t.Fatal("busy after the task ended")
	}
	c.started(0, 1, 8, 3*time.Millisecond)  // parent
	c.started(0, 0, -1, 4*time.Millisecond) // nested
	c.finished(0, 0, -1, sched.Done, 4*time.Millisecond, time.Millisecond)
	c.finished(0, 1, 8, sched.Done, 3*time.Millisecond, 3*time.Millisecond)
	if b, _ := busy(); b {
		t.Fatal("busy after nested tasks ended")
	}
}
