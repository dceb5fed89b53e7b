package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
)

// testJobs are the jobs of the test program, coordinator and workers alike.
var testJobs Registry

// squaresParams shape the "squares" job: N tasks square their index, a
// local task adds the squares up. The other fields plant faults in task
// number i (-1: none); Dir is where tasks leave marker files, which is how
// a test learns what happened inside a worker process.
type squaresParams struct {
	N           int
	Fail, Panic int           // return an error / panic
	KillOnce    int           // SIGKILL its worker on the first delivery
	Poison      int           // SIGKILL its worker on every delivery
	FailOnce    int           // fail the first attempt (for retries)
	BlockFrom   int           // tasks from this index on wait for cancellation
	Retries     int           // graph.Retries of the square tasks
	Timeout     time.Duration // graph.Timeout of the square tasks
	Dir         string
	Big         bool // results of over 512 KiB (the object store)
}

func noFaults(n int, dir string) squaresParams {
	return squaresParams{N: n, Fail: -1, Panic: -1, KillOnce: -1, Poison: -1, FailOnce: -1, BlockFrom: -1, Dir: dir}
}

// squares is the job's graph and its target.
func squares(p squaresParams, opts ...graph.Option) (*graph.Graph, graph.Delayed[[]int64]) {
	g := &graph.Graph{}
	sq := make([]graph.Delayed[[]int64], p.N)
	for i := range p.N {
		n := graph.Value(g, "n", i)
		sq[i] = graph.CallCtx(g, "square", func(ctx context.Context, n int) ([]int64, error) {
			return p.square(ctx, n)
		}, n, append(opts, graph.Retries(p.Retries), graph.Timeout(p.Timeout))...)
	}
	return g, treeSum(g, sq)
}

// treeSum adds up the first elements of xs in a tree of fan-in 8.
func treeSum(g *graph.Graph, xs []graph.Delayed[[]int64]) graph.Delayed[[]int64] {
	for len(xs) > 1 {
		var next []graph.Delayed[[]int64]
		for i := 0; i < len(xs); i += 8 {
			next = append(next, graph.CallSlice(g, "sum", func(_ context.Context, vs [][]int64) ([]int64, error) {
				var s int64
				for _, v := range vs {
					s += v[0]
				}
				return []int64{s}, nil
			}, xs[i:min(i+8, len(xs))]))
		}
		xs = next
	}
	return xs[0]
}

func (p squaresParams) square(ctx context.Context, n int) ([]int64, error) {
	p.mark("ran", n)
	switch n {
	case p.Fail:
		return nil, fmt.Errorf("square %d failed", n)
	case p.Panic:
		panic(fmt.Sprintf("square %d panicked", n))
	case p.Poison:
		killSelf()
	case p.KillOnce:
		if p.first("killed", n) {
			killSelf()
		}
	case p.FailOnce:
		if p.first("failed", n) {
			return nil, errors.New("first attempt fails")
		}
	}
	if p.BlockFrom >= 0 && n >= p.BlockFrom {
		p.mark("started", 0)
		<-ctx.Done()
		p.mark("cancelled", 0)
		return nil, ctx.Err()
	}
	return squareValue(n, p.Big), nil
}

// squareValue is n², followed with big by 100,000 values of 9 bytes each
// encoded (zeros would take 1): about 880 KiB, over inlineLimit.
func squareValue(n int, big bool) []int64 {
	v := []int64{int64(n) * int64(n)}
	if big {
		for i := range 100_000 {
			v = append(v, int64(i+1)<<33)
		}
	}
	return v
}

// mark appends a line to the marker file what-n.
func (p squaresParams) mark(what string, n int) {
	if p.Dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(p.Dir, fmt.Sprintf("%s-%d", what, n)), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintln(f, os.Getpid())
		f.Close()
	}
}

// first tells whether this is the first call with (what, n): it creates
// the marker file what-n-once exclusively.
func (p squaresParams) first(what string, n int) bool {
	f, err := os.OpenFile(filepath.Join(p.Dir, fmt.Sprintf("%s-%d-once", what, n)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func killSelf() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Minute) // the signal is on its way
}

func registerTestJobs() {
	registerBenchJobs()
	registerRandomJob()
	registerBagJob()
	registerWriteJob()
	must(Register(&testJobs, "squares", func(p squaresParams) (*graph.Graph, error) {
		g, _ := squares(p, remoteOpts()...)
		return g, nil
	}))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

const (
	dieAfterStoreEnv = "TASKGRAPH_TEST_DIE_AFTER_STORE"
	dieAfterAckEnv   = "TASKGRAPH_TEST_DIE_AFTER_ACK"
	// dieOnDeliveryEnv is a node: a worker dies whenever it is
	// delivered that node's task ("node split": only alone in a message
	// that a worker published, splitting a batch).
	dieOnDeliveryEnv = "TASKGRAPH_TEST_DIE_ON_DELIVERY"
)

// installTestHooks runs in worker processes: a worker that dies between
// storing a result and acking its task.
func installTestHooks() {
	installDieAfterAck()
	var dieNode int
	var split string
	if n, _ := fmt.Sscan(os.Getenv(dieOnDeliveryEnv), &dieNode, &split); n > 0 {
		onDelivery = func(b *batchMsg, ts []taskMsg) {
			for _, t := range ts {
				if t.ID == dieNode && (split == "" || b.Prior > 0) {
					killSelf()
				}
			}
		}
	}
	// dieAfterStoreEnv is "dir node": the worker storing node's result
	// first dies before acking it.
	var p squaresParams
	var node string
	if _, err := fmt.Sscan(os.Getenv(dieAfterStoreEnv), &p.Dir, &node); err != nil {
		return
	}
	afterStore = func(key string) {
		if parts := strings.Split(key, "."); len(parts) == 4 && parts[2] == node && p.first("stored", 0) {
			killSelf()
		}
	}
}

// nodeOfSquare is the node ID of square task i in squares' graph: leaf
// and task alternate.
func nodeOfSquare(i int) int {
	if i < 0 {
		return -1
	}
	return 2*i + 1
}

// sizeParams size the benchmark jobs.
type sizeParams struct{ N int }

// trivial is N independent remote tasks adding one, summed locally.
func trivial(p sizeParams, opts ...graph.Option) (*graph.Graph, graph.Delayed[int]) {
	g := &graph.Graph{}
	xs := make([]graph.Delayed[int], p.N)
	for i := range p.N {
		xs[i] = graph.Call(g, "inc", inc, graph.Value(g, "x", i), opts...)
	}
	for len(xs) > 1 { // a tree of fan-in 8
		var next []graph.Delayed[int]
		for i := 0; i < len(xs); i += 8 {
			next = append(next, graph.CallSlice(g, "sum", sumInts, xs[i:min(i+8, len(xs))]))
		}
		xs = next
	}
	return g, xs[0]
}

// chain is N remote tasks in a row, each adding one to the last.
func chain(p sizeParams, opts ...graph.Option) (*graph.Graph, graph.Delayed[int]) {
	g := &graph.Graph{}
	x := graph.Value(g, "x", 0)
	for range p.N {
		x = graph.Call(g, "inc", inc, x, opts...)
	}
	return g, x
}

func inc(x int) int { return x + 1 }

func sumInts(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

func registerBenchJobs() {
	must(Register(&testJobs, "trivial", func(p sizeParams) (*graph.Graph, error) {
		g, _ := trivial(p, remoteOpts()...)
		return g, nil
	}))
	must(Register(&testJobs, "chain", func(p sizeParams) (*graph.Graph, error) {
		g, _ := chain(p, remoteOpts()...)
		return g, nil
	}))
}

// randomParams seed a random graph: N nodes, each a constant or a task of
// up to three earlier nodes; about one task in Remote runs remotely and
// one in 13 fails (by its value, so the same tasks fail everywhere).
type randomParams struct {
	Seed int64
	N    int
}

// randomGraph builds the graph and returns its tasks' handles.
func randomGraph(p randomParams, remote bool) (*graph.Graph, []graph.Delayed[int64]) {
	g := &graph.Graph{}
	rng := newSplitMix(uint64(p.Seed))
	var nodes, tasks []graph.Delayed[int64]
	for i := range p.N {
		if i == 0 || rng.next()%4 == 0 {
			nodes = append(nodes, graph.Value(g, "v", int64(rng.next()%1000)))
			continue
		}
		args := make([]graph.Delayed[int64], 1+rng.next()%3)
		for k := range args {
			args[k] = nodes[rng.next()%uint64(len(nodes))]
		}
		var opts []graph.Option
		if coin := rng.next()%2 == 0; remote && coin { // drawn either way: the same graph
			opts = remoteOpts()
		}
		t := graph.CallSlice(g, "mix", mix, args, opts...)
		nodes, tasks = append(nodes, t), append(tasks, t)
	}
	return g, tasks
}

func mix(_ context.Context, vs []int64) (int64, error) {
	h := int64(17)
	for _, v := range vs {
		h = (h*31 + v) % 1_000_003
	}
	if h%13 == 0 {
		return 0, fmt.Errorf("mix %d: unlucky", h)
	}
	return h, nil
}

// splitMix is a tiny deterministic generator (SplitMix64).
type splitMix struct{ s uint64 }

func newSplitMix(seed uint64) *splitMix { return &splitMix{s: seed} }

func (r *splitMix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func registerRandomJob() {
	must(Register(&testJobs, "random", func(p randomParams) (*graph.Graph, error) {
		g, _ := randomGraph(p, true)
		return g, nil
	}))
}

// installDieAfterAck: with dieAfterAckEnv "dir node", the worker that
// acks the batch holding node's task first dies before sending its
// results: only the bucket has them.
func installDieAfterAck() {
	var p squaresParams
	var node string
	if _, err := fmt.Sscan(os.Getenv(dieAfterAckEnv), &p.Dir, &node); err != nil {
		return
	}
	afterAck = func(keys []string, flush func() error) {
		for _, key := range keys {
			if parts := strings.Split(key, "."); len(parts) == 4 && parts[2] == node && p.first("acked", 0) {
				flush()
				p.mark("acked", 0)
				killSelf()
			}
		}
	}
}
