package gantt_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/sched/diag/gantt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBoom = errors.New("boom")

// profiled is a small run of two stages and a join, with a failure.
func profiled(t *testing.T, workers int) *diag.Profiler {
	t.Helper()
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var parts []graph.Delayed[int]
	for i := range 40 {
		load := graph.CallCtx(&g, "load", func(_ context.Context, x int) (int, error) {
			spin(50 * time.Microsecond)
			if i == 7 {
				return 0, errBoom
			}
			return x, nil
		}, x)
		parts = append(parts, graph.Call(&g, "square", func(x int) int { spin(100 * time.Microsecond); return x * x }, load))
	}
	d := graph.CallSlice(&g, "sum", func(_ context.Context, xs []int) (int, error) { return len(xs), nil }, parts)
	p := diag.NewProfiler(diag.SampleEvery(time.Millisecond))
	if _, err := sched.Compute(context.Background(), d, sched.Workers(workers), sched.KeepGoing(), sched.WithHooks(p.Hooks())); !errors.Is(err, errBoom) {
		t.Fatalf("error %v, want %v", err, errBoom)
	}
	return p
}

// spin keeps a worker busy for about d; nothing checks how long it took.
func spin(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}

func TestPNGDecodes(t *testing.T) {
	for _, w := range []int{2, 8} { // drawing is slow under -race: two sizes do
		p := profiled(t, w)
		var buf bytes.Buffer
		if err := gantt.Write(&buf, p, "png"); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dx() > 2000 || b.Dy() < 300 || b.Dy() > 2000 {
			t.Errorf("workers=%d: picture of %v", w, b)
		}
	}
}

func TestSVG(t *testing.T) {
	p := profiled(t, 2)
	var buf bytes.Buffer
	if err := gantt.Write(&buf, p, "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<svg") || !strings.Contains(buf.String(), "worker 1") {
		t.Errorf("not an SVG of the run: %.200s", buf.String())
	}
	if err := gantt.Write(&buf, p, "gif"); !errors.Is(err, gantt.ErrFormat) {
		t.Errorf("gif: error %v, want ErrFormat", err)
	}
	if err := gantt.Write(&buf, diag.NewProfiler(), "png"); !errors.Is(err, diag.ErrNoRun) {
		t.Errorf("before a run: %v, want diag.ErrNoRun", err)
	}
}

// As a Session's output, the chart is written after the run.
func TestOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.png")
	s, err := diag.New(diag.Options{Outputs: []diag.Output{gantt.Output(path)}, SampleEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	var g graph.Graph
	d := graph.Call(&g, "inc", func(x int) int { return x + 1 }, graph.Value(&g, "x", 1))
	_, err = sched.Compute(context.Background(), d, sched.WithHooks(s.Hooks()))
	if err := s.Close(err); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.DecodeConfig(f); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
}

// The point of this package: package diag, which a program wanting a
// progress bar imports, links no plotting library; gantt does.
func TestDiagLinksNoPlotting(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	deps := func(pkg string) string {
		out, err := exec.Command(goBin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		return string(out)
	}
	if d := deps("github.com/seed001e6470/taskgraph/sched/diag"); strings.Contains(d, "gonum.org/v1/plot") || strings.Contains(d, "fpdf") || strings.Contains(d, "go-fonts") {
		t.Errorf("sched/diag links a plotting library:\n%s", d)
	}
	if d := deps("github.com/seed001e6470/taskgraph/sched/diag/gantt"); !strings.Contains(d, "gonum.org/v1/plot") {
		t.Error("gantt does not link gonum/plot: the test checks nothing")
	}
}
