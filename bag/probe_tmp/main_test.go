package bagprobe

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func squareEven(dst, src []int) []int {
	for _, x := range src {
		if y := x * x; y%2 == 0 {
			dst = append(dst, y)
		}
	}
	return dst
}

var sink int

func loop() int {
	s := 0
	for i := range 10_000_000 {
		if x := i * i; x%2 == 0 {
			s += x
		}
	}
	return s
}

func TestProbe(t *testing.T) {
	var g graph.Graph
	sum := bag.Sum(bag.MapBlocks(bag.Range(&g, 0, 10_000_000), squareEven))
	sum2 := bag.Sum(bag.Filter(bag.Map(bag.Range(&g, 0, 10_000_000), func(x int) int { return x * x }), func(x int) bool { return x%2 == 0 }))
	for round := range 5 {
		var ts [5]time.Duration
		for i := range 5 {
			for rep := range 5 {
				start := time.Now()
				switch rep {
				case 0:
					sink = loop()
				case 1:
					sched.Compute(context.Background(), sum, sched.Workers(1))
				case 2:
					sched.Compute(context.Background(), sum, sched.Workers(2))
				case 3:
					sched.Compute(context.Background(), sum2, sched.Workers(1))
				case 4:
					sched.Compute(context.Background(), sum2, sched.Workers(2))
				}
				ts[rep] += time.Since(start)
			}
			_ = i
		}
		fmt.Printf("round %d loop %v blocks1 %v blocks2 %v funcs1 %v funcs2 %v\n", round, ts[0]/5, ts[1]/5, ts[2]/5, ts[3]/5, ts[4]/5)
	}
}
