package pi_test

import (
	"context"
	"fmt"

	"github.com/seed001e6470/taskgraph/tasks/pi"
)

func ExampleChunk() {
	// The same (seed, index, n) always gives the same count.
	fmt.Println(pi.Chunk(2023, 0, 1000) == pi.Chunk(2023, 0, 1000))
	fmt.Println(pi.Chunk(2023, 0, 0))
	// Output:
	// true
	// 0
}

func ExampleSplit() {
	sizes, _ := pi.Split(10, 4)
	fmt.Println(sizes)
	// Output:
	// [3 3 2 2]
}

func ExampleEstimate() {
	est, stderr, _ := pi.Estimate(785_398, 1_000_000)
	fmt.Printf("%.4f ± %.4f\n", est, stderr)
	_, _, err := pi.Estimate(5, 4)
	fmt.Println(err)
	// Output:
	// 3.1416 ± 0.0016
	// pi: invalid argument: 5 hits out of 4 samples
}

// The workshop's calc_pi_split(10**7, 10), as chunks that could run anywhere.
func ExampleRun() {
	const seed, samples, chunks = 1, 1_000_000, 10
	hits, _ := pi.Run(seed, samples, chunks)

	// The same chunks run in another order give the same total.
	sizes, _ := pi.Split(samples, chunks)
	again := 0
	for i := chunks - 1; i >= 0; i-- {
		again += pi.Chunk(seed, i, sizes[i])
	}
	est, stderr, _ := pi.Estimate(hits, samples)
	fmt.Println(hits == again, est > 3.13 && est < 3.15, stderr < 0.002)
	// Output:
	// true true true
}

// ChunkContext is Chunk that a cancelled context stops in the middle.
func ExampleChunkContext() {
	hits, err := pi.ChunkContext(context.Background(), 1, 0, 1000)
	fmt.Println(hits, err, hits == pi.Chunk(1, 0, 1000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = pi.ChunkContext(ctx, 1, 0, 1e18)
	fmt.Println(err)
	// Output:
	// 807 <nil> true
	// context canceled
}
