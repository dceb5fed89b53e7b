package pi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// ChunkContext counts what Chunk counts, for sizes around its blocks.
func TestChunkContextMatchesChunk(t *testing.T) {
	for _, n := range []int{0, 1, checkEvery - 1, checkEvery, checkEvery + 1, 3*checkEvery + 17} {
		got, err := ChunkContext(context.Background(), 9, 4, n)
		if want := Chunk(9, 4, n); err != nil || got != want {
			t.Errorf("n=%d: %d, %v; Chunk gives %d", n, got, err, want)
		}
	}
}

// A chunk of 10¹⁸ points stops when its context ends (the bound is
// generous: the test asserts that it stops, not how fast).
func TestChunkContextStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := ChunkContext(ctx, 1, 0, 1e18); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the chunk did not stop")
	}
}
