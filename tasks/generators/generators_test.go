package generators

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestIntegers(t *testing.T) {
	got := slices.Collect(Take(Integers(), 5))
	if want := []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("Integers = %v, want %v", got, want)
	}
}

func TestEven(t *testing.T) {
	got := slices.Collect(Take(Even(), 5))
	if want := []int{2, 4, 6, 8, 10}; !slices.Equal(got, want) {
		t.Errorf("Even = %v, want %v", got, want)
	}
}

// Fibonacci against the plain recurrence, up to its overflow-safe end.
func TestFibonacci(t *testing.T) {
	got := slices.Collect(Fibonacci())
	want := []int{1, 1}
	for {
		a, b := want[len(want)-2], want[len(want)-1]
		if b > math.MaxInt-a {
			break
		}
		want = append(want, a+b)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Fibonacci has %d terms ending %v, want %d ending %v", len(got), got[len(got)-3:], len(want), want[len(want)-3:])
	}
	if math.MaxInt == math.MaxInt64 && (len(got) != 92 || int64(got[91]) != 7540113804746346429) {
		t.Errorf("64-bit Fibonacci: %d terms, last %d", len(got), got[len(got)-1])
	}
}

// The infinite generators end at the top of int instead of wrapping.
// Counting there from 1 would take centuries, so start near the end.
func TestGeneratorsStopBeforeOverflow(t *testing.T) {
	const top = math.MaxInt
	if got, want := slices.Collect(integersFrom(top-2)), []int{top - 2, top - 1, top}; !slices.Equal(got, want) {
		t.Errorf("integers near the top = %v, want %v", got, want)
	}
	half := top / 2
	if got, want := slices.Collect(doubled(integersFrom(half-1))), []int{2 * (half - 1), 2 * half}; !slices.Equal(got, want) {
		t.Errorf("even numbers near the top = %v, want %v", got, want)
	}
}

func TestTake(t *testing.T) {
	pulled := 0
	counting := func(yield func(int) bool) {
		for i := 0; ; i++ {
			pulled++
			if !yield(i) {
				return
			}
		}
	}
	for _, tt := range []struct{ n, want int }{{-1, 0}, {0, 0}, {1, 1}, {3, 3}} {
		pulled = 0
		got := slices.Collect(Take(counting, tt.n))
		if len(got) != tt.want || pulled != tt.want {
			t.Errorf("Take(%d) gave %v after %d pulls", tt.n, got, pulled)
		}
	}
	// Finite input shorter than n.
	if got := slices.Collect(Take(slices.Values([]string{"a", "b"}), 5)); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Take of a short sequence = %v", got)
	}
	// Reusable: each range starts afresh.
	three := Take(Integers(), 3)
	if a, b := slices.Collect(three), slices.Collect(three); !slices.Equal(a, b) {
		t.Errorf("second range gave %v, first %v", b, a)
	}
	// Breaking early is honoured.
	for v := range Take(Integers(), 10) {
		if v == 2 {
			break
		}
	}
}

func TestPrinter(t *testing.T) {
	var buf bytes.Buffer
	p := NewPrinter(&buf)
	for _, planet := range []string{"Mercury", "Venus", "Earth"} {
		if err := p.Send(planet); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := buf.String(), "1 Mercury\n2 Venus\n3 Earth\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	if p.Lines() != 3 {
		t.Errorf("Lines = %d", p.Lines())
	}
	if err := p.Send(42); err != nil || !bytes.HasSuffix(buf.Bytes(), []byte("4 42\n")) {
		t.Errorf("Send(42): %v, %q", err, buf.String())
	}
}

type failingWriter struct{ fail bool }

var errDisk = errors.New("disk full")

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.fail {
		return 0, errDisk
	}
	return len(b), nil
}

func TestPrinterError(t *testing.T) {
	w := &failingWriter{fail: true}
	p := NewPrinter(w)
	if err := p.Send("x"); !errors.Is(err, errDisk) {
		t.Fatalf("Send: %v, want errDisk", err)
	}
	if p.Lines() != 0 {
		t.Errorf("failed line counted: %d", p.Lines())
	}
	w.fail = false
	if err := p.Send("y"); err != nil || p.Lines() != 1 {
		t.Errorf("after recovery: %v, %d lines", err, p.Lines())
	}
}
