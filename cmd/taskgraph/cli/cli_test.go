package cli

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// Runs use the scheduler's goroutines and the progress bar's: none may
// outlive a test.
func TestMain(m *testing.M) {
	pipeline.MustRegister(testingPipeline)
	serveIfWorker() // a worker of run --local-cluster (cluster_test.go) serves here
	if os.Getenv(beCLI) == "1" {
		os.Args[0] = "taskgraph" // the name its commands go by
		Main()                   // the test binary as the command (robust_test.go)
	}
	forceProgress = true // draw the bar in the tests' buffers
	goleak.VerifyTestMain(m)
}

// tg runs the command in-process, as main would with args.
func tg(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return tgCtx(t, context.Background(), args...)
}

func tgCtx(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// files lists what dir holds.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func writeText(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var update = flag.Bool("update", false, "rewrite testdata/pi.dot")

// testdata/pi.dot is the picture the README shows; it must stay what the
// command prints. Regenerate it (and the SVG) with
//
//	go test ./cmd/taskgraph/cli -run DotGolden -update
//	dot -Tsvg cmd/taskgraph/cli/testdata/pi.dot > cmd/taskgraph/cli/testdata/pi.svg
func TestDotGolden(t *testing.T) {
	code, stdout, stderr := tg(t, "dot", "pi", "--chunks=8", "--rankdir=LR")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "pi.dot")
	if *update {
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Fatalf("taskgraph dot pi --chunks=8 --rankdir=LR differs from %s:\n%s", golden, stdout)
	}
}

// Bad input never panics: it exits with 2 for a mistake on the command
// line, 1 for a run that fails, says what is wrong in one line on standard
// error, prints nothing on standard output and leaves no file behind.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // a default --out would land here
	text := writeText(t, t.TempDir(), "t.txt", "a b b\n")
	cases := []struct {
		args []string
		code int
		says string // the line names the problem
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"run"}, 2, "which pipeline?"},
		{[]string{"run", "nosuch"}, 2, `unknown pipeline "nosuch"`},
		{[]string{"run", "nosuch", "--width", "3"}, 2, `unknown pipeline "nosuch"`},
		{[]string{"run", "mandelbrot", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"run", "mandelbrot", "--width", "0"}, 2, "--width: must be at least 1"},
		{[]string{"run", "mandelbrot", "--height=-4"}, 2, "--height: must be at least 1"},
		{[]string{"run", "mandelbrot", "--max-iter", "0"}, 2, "--max-iter: must be at least 1"},
		{[]string{"run", "mandelbrot", "--max-iter", "lots"}, 2, `"--max-iter"`},
		{[]string{"run", "mandelbrot", "--center", "abc"}, 2, `invalid argument "abc" for "--center"`},
		{[]string{"run", "mandelbrot", "--extent", "-1-1i"}, 2, "extent"},
		{[]string{"run", "mandelbrot", "--tiles", "0"}, 2, "--tiles: must be at least 1"},
		{[]string{"run", "mandelbrot", "--tile-size", "0"}, 2, "--tile-size"},
		{[]string{"run", "mandelbrot", "--figure", "f.gif"}, 2, "--figure"},
		{[]string{"run", "mandelbrot", "--out", filepath.Join(dir, "no", "m.png")}, 1, "cannot write " + filepath.Join(dir, "no", "m.png")},
		{[]string{"run", "mandelbrot", "--out", dir}, 1, "is a directory"},
		{[]string{"run", "mandelbrot", "--dot", filepath.Join(dir, "no", "g.dot")}, 1, "cannot write"},
		{[]string{"run", "mandelbrot", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"run", "pi", "--samples", "0"}, 2, "--samples: must be at least 1"},
		{[]string{"run", "pi", "--samples", "-1e6"}, 2, "--samples: must be at least 1"},
		{[]string{"run", "pi", "--samples", "many"}, 2, `"--samples"`},
		{[]string{"run", "pi", "--chunks", "0"}, 2, "--chunks: must be at least 1"},
		{[]string{"run", "pi", "--samples", "5", "--chunks", "6"}, 2, "--chunks"},
		{[]string{"run", "pi", "--workers", "-1"}, 2, "--workers: must not be negative"},
		{[]string{"run", "pi", "--workers", "two"}, 2, `"--workers"`},
		{[]string{"run", "pi", "--gantt", "g.jpg"}, 2, "--gantt: cannot tell the format"},
		{[]string{"run", "pi", "--samples=1e4", "--profile", filepath.Join(dir, "no", "p.json")}, 1, "cannot write"},
		{[]string{"run", "generators", "--n", "0"}, 2, "--n: must be at least 1"},
		{[]string{"run", "generators", "--seq", "primes"}, 2, `unknown generator "primes"`},
		{[]string{"run", "wordcount"}, 2, "--input: required"},
		{[]string{"run", "wordcount", "--input", text, "--top", "0"}, 2, "--top: must be at least 1"},
		{[]string{"run", "wordcount", "--input", filepath.Join(dir, "*.nothing")}, 1, "no file matches"},
		{[]string{"run", "wordcount", "--input", filepath.Join(dir, "missing.txt")}, 1, "missing.txt"},
		{[]string{"dot"}, 2, "which pipeline?"},
		{[]string{"dot", "nosuch"}, 2, `unknown pipeline "nosuch"`},
		{[]string{"dot", "pi", "--samples", "0"}, 2, "--samples"},
		{[]string{"dot", "pi", "--view", "sideways"}, 2, "--view"},
		{[]string{"dot", "pi", "--direction", "up"}, 2, "--rankdir"},
		{[]string{"dot", "pi", "--rankdir", "up"}, 2, "--rankdir"},
		{[]string{"dot", "pi", "--color", "red"}, 2, "--color"},
		{[]string{"dot", "pi", "--workers", "2"}, 2, "unknown flag: --workers"},
		{[]string{"list", "x"}, 2, "unexpected argument"},
		{[]string{"version", "x"}, 2, "unexpected argument"},
	}
	for _, c := range cases {
		code, stdout, stderr := tg(t, c.args...)
		name := strings.Join(c.args, " ")
		if code != c.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", name, code, c.code, stderr)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "taskgraph") {
			t.Errorf("%s: stderr is not one line: %q", name, stderr)
		}
		if !strings.Contains(stderr, c.says) {
			t.Errorf("%s: stderr %q does not say %q", name, stderr, c.says)
		}
		if stdout != "" {
			t.Errorf("%s: stdout %q", name, stdout)
		}
		if left := files(t, dir); len(left) != 0 {
			t.Fatalf("%s: left %q behind", name, left)
		}
	}
}

// The first command a newcomer runs: the default view, written to
// mandelbrot.png in the current directory.
func TestRunMandelbrotDefault(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, stderr := tg(t, "run", "mandelbrot")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"mandelbrot 512×512, max-iter 1024", "sum of pixel values 21169614\n", "wall time ", "514 tasks on ", "wrote mandelbrot.png\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	f, err := os.Open(filepath.Join(dir, "mandelbrot.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Fatalf("PNG %+v, %v", cfg, err)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("directory holds %q", got)
	}
}

// Every common flag at once on a small view.
func TestRunMandelbrotInstruments(t *testing.T) {
	dir := t.TempDir()
	out, fig, dotFile := filepath.Join(dir, "m.png"), filepath.Join(dir, "f.svg"), filepath.Join(dir, "g.dot")
	code, stdout, stderr := tg(t, "run", "mandelbrot", "--width=64", "--height=40", "--max-iter=100",
		"--center=-0.5", "--extent=3+2i", "--tile-size=16x8", "--out", out, "--figure", fig,
		"--workers=2", "--progress", "--dot", dotFile)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"20 tiles of at most 16x8", "42 tasks on 2 workers", "wrote " + out + "\n", "wrote " + fig + "\n", "wrote " + dotFile + "\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "mandelbrot 100%") || !strings.Contains(stderr, "(42/42") || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("progress bar %q", stderr)
	}
	picture, err := os.ReadFile(dotFile)
	if err != nil || !strings.HasPrefix(string(picture), "digraph") || !strings.Contains(string(picture), "assemble") {
		t.Fatalf("DOT %q, %v", picture, err)
	}
	if got := files(t, dir); len(got) != 3 {
		t.Fatalf("directory holds %q", got)
	}
}

// The profiler's outputs, and its tables after the report.
func TestRunDiagnostics(t *testing.T) {
	dir := t.TempDir()
	prof, trace, gantt := filepath.Join(dir, "p.json"), filepath.Join(dir, "t.json"), filepath.Join(dir, "g.svg")
	code, stdout, stderr := tg(t, "run", "pi", "--samples=1e5", "--chunks=6", "--workers=2",
		"--profile", prof, "--trace", trace, "--gantt", gantt, "--summary")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"wrote " + prof + "\n", "wrote " + trace + "\n", "wrote " + gantt + "\n", "critical path", "slowest"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for path, start := range map[string]string{prof: "{", trace: "{", gantt: "<?xml"} {
		b, err := os.ReadFile(path)
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(b)), start) {
			t.Errorf("%s starts %.40q, %v", path, b, err)
		}
	}
	if got := files(t, dir); len(got) != 3 {
		t.Fatalf("directory holds %q", got)
	}
}

// One output that cannot be written fails the run before it starts, and
// the others, already created, are removed.
func TestRunDiagnosticsUnwritable(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := tg(t, "run", "pi", "--samples=1e4", "--chunks=2",
		"--profile", filepath.Join(dir, "p.json"), "--dot", filepath.Join(dir, "g.dot"), "--trace", filepath.Join(dir, "no", "t.json"))
	if code != 1 || stdout != "" || !strings.Contains(stderr, "cannot write "+filepath.Join(dir, "no", "t.json")) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("left %q", got)
	}
}

func TestRunPi(t *testing.T) {
	var first string
	for _, w := range []string{"1", "2"} {
		code, stdout, stderr := tg(t, "run", "pi", "--samples=1e5", "--chunks=10", "--seed=5", "--workers="+w)
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		lines := strings.Split(stdout, "\n")
		if !strings.HasPrefix(lines[0], "pi ≈ 3.1") || !strings.Contains(stdout, "samples/s") || !strings.Contains(stdout, "100000 samples in 10 chunks") {
			t.Fatalf("stdout:\n%s", stdout)
		}
		if first == "" {
			first = lines[0]
		} else if lines[0] != first {
			t.Fatalf("the estimate depends on the workers: %q, %q", first, lines[0])
		}
	}
}

func TestRunGenerators(t *testing.T) {
	code, stdout, stderr := tg(t, "run", "generators", "--n=1e5", "--seq=integers")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "count 100000, sum 5000050000, min 1, max 100000\n") || !strings.Contains(stdout, "\n1 1\n2 2\n") {
		t.Fatalf("stdout:\n%s", stdout)
	}
}

func TestRunWordCount(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "a.txt", "It was the best of times,\nit was the worst of times;\n")
	writeText(t, dir, "b.txt", "the end\n")
	code, stdout, stderr := tg(t, "run", "wordcount", "--input", filepath.Join(dir, "*.txt"), "--top", "2")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "14 words, 8 different; the 2 most frequent:\n  1  the 3\n  2  it  2\n") {
		t.Fatalf("stdout:\n%s", stdout)
	}
}

func TestDot(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, stderr := tg(t, "dot", "pi", "--chunks=3", "--direction=lr")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"digraph", `rankdir="LR"`, `label="chunk[2]"`, `label="estimate"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("DOT lacks %s:\n%s", want, stdout)
		}
	}
	_, stdout, _ = tg(t, "dot", "mandelbrot", "--tiles=4", "--view=collapsed", "--color=order")
	if !strings.Contains(stdout, "tile ×4") {
		t.Errorf("collapsed DOT:\n%s", stdout)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("dot wrote %q: nothing should run", got)
	}
}

func TestListVersionHelp(t *testing.T) {
	code, stdout, _ := tg(t, "list")
	if code != 0 || strings.Count(stdout, "\n") != 5 || !strings.HasPrefix(stdout, "generators ") || !strings.Contains(stdout, "\ntesting ") {
		t.Fatalf("list: %d %q", code, stdout)
	}
	code, stdout, _ = tg(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "taskgraph ") || !strings.Contains(stdout, "go1.") {
		t.Fatalf("version: %d %q", code, stdout)
	}
	for _, args := range [][]string{nil, {"--help"}, {"run", "--help"}, {"run", "mandelbrot", "--help"}, {"help", "dot"}} {
		code, stdout, stderr := tg(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage:") {
			t.Fatalf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	_, stdout, _ = tg(t, "run", "mandelbrot", "--help")
	for _, flag := range []string{"--width", "--max-iter", "--center", "--tile-size", "--out", "--workers", "--progress", "--dot"} {
		if !strings.Contains(stdout, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
}

// Cancelling the context (Ctrl-C in main) stops the run: exit 1, and the
// output file is not left behind.
func TestInterrupted(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, stderr := tgCtx(t, ctx, "run", "mandelbrot", "--out", filepath.Join(dir, "m.png"))
	if code != 1 || stdout != "" || !strings.Contains(stderr, "cancel") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("left %q", got)
	}
}
