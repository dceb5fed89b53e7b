package sched

import (
	"slices"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// model is a deque as a plain slice, oldest first.
type dequeModel []item

// checkDeque compares d with the model and checks d's invariants.
func checkDeque(t *rapid.T, d *deque, m dequeModel) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.head < 0 || d.head > len(d.q) {
		t.Fatalf("head %d outside q[0:%d]", d.head, len(d.q))
	}
	if got := d.size.Load(); got != d.queued() || int(got) != len(m) {
		t.Fatalf("size %d, queued %d, model %d", got, d.queued(), len(m))
	}
	// Oldest first: roots from the end back to 0, then q[head:].
	var have []item
	for k := len(d.roots) - 1; k >= 0; k-- {
		have = append(have, item{topRun, d.roots[k]})
	}
	have = append(have, d.q[d.head:]...)
	if !slices.Equal(have, []item(m)) {
		t.Fatalf("deque holds %v, model %v", have, m)
	}
}

// The deque's operations keep its invariants and agree with a plain slice:
// the owner pops the newest, a thief takes the oldest half (at most the
// roots segment, when there is one), and nothing is lost or doubled.
func TestDequeAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var d, thief deque
		var m, tm dequeModel
		next := int32(0)
		if rapid.Bool().Draw(t, "roots") {
			n := rapid.IntRange(0, 20).Draw(t, "nroots")
			roots := make([]int32, n) // roots[0] newest
			for k := range roots {
				roots[k] = int32(1000 + k)
			}
			d.setRoots(roots)
			for k := n - 1; k >= 0; k-- {
				m = append(m, item{topRun, roots[k]})
			}
		}
		for range rapid.IntRange(0, 60).Draw(t, "ops") {
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				it := item{2, next}
				next++
				d.push(it)
				m = append(m, it)
			case 1:
				it := d.pop()
				if len(m) == 0 {
					if it.ok() {
						t.Fatalf("pop from an empty deque gave %v", it)
					}
					break
				}
				if want := m[len(m)-1]; it != want {
					t.Fatalf("pop gave %v, want the newest %v", it, want)
				}
				m = m[:len(m)-1]
			case 2:
				roots := 0
				for _, it := range m {
					if it.rid == topRun && it.i >= 1000 {
						roots++
					}
				}
				l := d.stealHalf(nil)
				k := (len(m) + 1) / 2
				if roots > 0 {
					k = min(k, roots)
				}
				if len(m) == 0 {
					if l.first().ok() {
						t.Fatalf("stole %v from an empty deque", l.first())
					}
					break
				}
				taken := slices.Clone(m[:k]) // the oldest k
				m = m[k:]
				if got := l.first(); got != taken[len(taken)-1] {
					t.Fatalf("a thief runs %v first, want the newest it took, %v", got, taken[len(taken)-1])
				}
				thief.keep(l)
				tm = append(tm, taken[:len(taken)-1]...)
				if l.more() != (len(m) > 0 || len(taken) > 1) {
					t.Fatalf("more %v with %d left and %d taken", l.more(), len(m), len(taken))
				}
			case 3:
				if it := thief.pop(); it.ok() {
					if it != tm[len(tm)-1] {
						t.Fatalf("the thief pops %v, want %v", it, tm[len(tm)-1])
					}
					tm = tm[:len(tm)-1]
				}
			}
			checkDeque(t, &d, m)
			checkDeque(t, &thief, tm)
		}
	})
}

// Under concurrent pushes, pops and steals, every item comes out exactly
// once.
func TestDequeConcurrentSteals(t *testing.T) {
	const n = 20000
	var owner deque
	thieves := make([]deque, 3)
	seen := make([]int32, n)
	var mu sync.Mutex
	take := func(it item) {
		mu.Lock()
		seen[it.i]++
		mu.Unlock()
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for k := range thieves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []item
			for {
				l := owner.stealHalf(buf[:0])
				if it := l.first(); it.ok() {
					take(it)
					thieves[k].keep(l)
					buf = l.items[:0]
					for it := thieves[k].pop(); it.ok(); it = thieves[k].pop() {
						take(it)
					}
					continue
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	for i := range int32(n) {
		owner.push(item{2, i})
		if i%3 == 0 {
			if it := owner.pop(); it.ok() {
				take(it)
			}
		}
	}
	for it := owner.pop(); it.ok(); it = owner.pop() {
		take(it)
	}
	close(done)
	wg.Wait()
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("item %d came out %d times", i, c)
		}
	}
}
