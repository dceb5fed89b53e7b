package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var out bytes.Buffer
		if err := run(context.Background(), &out, 300_000, workers); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "sum of 300000 weights") {
			t.Fatalf("output %q", out.String())
		}
	}
	if err := run(context.Background(), &bytes.Buffer{}, -1, 1); err == nil {
		t.Fatal("a negative size was accepted")
	}
}

func TestSumMatchesLoop(t *testing.T) {
	for _, n := range []int{0, 1, leafSize, leafSize + 1, 5*leafSize + 3} {
		xs := make([]int, n)
		for i := range xs {
			xs[i] = i * 7
		}
		for _, w := range []int{1, 2} {
			got, err := SumTasks(context.Background(), xs, w)
			if err != nil || got != SumLoop(xs) {
				t.Fatalf("n=%d workers=%d: %d, %v; want %d", n, w, got, err, SumLoop(xs))
			}
		}
	}
}

// The loop against the recursive tasks over 10^7 elements:
//
//	go test ./examples/recursive -run '^$' -bench . -cpu 1,2 -count 5
func BenchmarkSum(b *testing.B) {
	xs := make([]int, 10_000_000)
	for i := range xs {
		xs[i] = i
	}
	want := SumLoop(xs)
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if SumLoop(xs) != want {
				b.Fatal("wrong sum")
			}
		}
	})
	b.Run("tasks", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if v, err := SumTasks(context.Background(), xs, 0); err != nil || v != want {
				b.Fatal(v, err)
			}
		}
	})
}
