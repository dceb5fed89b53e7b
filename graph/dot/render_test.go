package dot_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
)

// graphviz returns the path of Graphviz's dot. Outside CI a machine
// without Graphviz skips the render tests; in CI (where .ci/run installs
// the graphviz package) its absence is a failure, so the check cannot
// silently stop running.
func graphviz(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("dot")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("Graphviz's dot is not installed, and CI is set: the render tests must run in CI (apt-get install -y graphviz): %v", err)
	}
	t.Skipf("skipping: Graphviz's dot is not on PATH (apt-get install -y graphviz to run the render tests): %v", err)
	return ""
}

// render runs dot -Tsvg on what we wrote and fails on any complaint:
// Graphviz reports bad attributes and syntax on stderr, often still
// exiting 0.
func render(t *testing.T, dotPath string, src []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, dotPath, "-Tsvg")
	cmd.Stdin = bytes.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v\n%s\ninput:\n%s", err, stderr.Bytes(), src)
	}
	if !bytes.Contains(stdout.Bytes(), []byte("</svg>")) {
		t.Fatalf("dot -Tsvg wrote no SVG:\n%s", stdout.Bytes())
	}
	return stdout.Bytes()
}

func TestGraphvizRenders(t *testing.T) {
	dotPath := graphviz(t)
	dg, total, _ := delayedGraph()
	tg, _ := treeGraph(16, 4)
	tiles, img := tileGraph(4096)
	odd := new(graph.Graph)
	v := graph.Value(odd, `say "hi"`, 1)
	w := graph.Call(odd, `back\slash <&> {}; -> "`, inc, v)
	graph.Call(odd, "two\nlines ×π", inc, w)

	cases := []struct {
		name string
		g    *graph.Graph
		o    *dot.Options
		want []string // texts the SVG must show
	}{
		{"delayed", dg, &dot.Options{Direction: dot.LeftToRight, Color: dot.ByOrder, Targets: []graph.Node{total}},
			[]string{">add<", ">inc<", ">static order<"}},
		{"tree clusters state", tg, &dot.Options{Clusters: true, Color: dot.ByState, Stats: fakeRun(tg, 11, 99).Stats},
			[]string{">part ×16<", ">sum[4]<", ">failed (1)<"}},
		{"tree collapsed duration", tg, &dot.Options{View: dot.Collapsed, Color: dot.ByDuration, Stats: fakeRun(tg, -1, 99).Stats},
			[]string{">inc ×16<", ">×16<", ">duration<"}},
		{"4096 tiles collapsed", tiles, &dot.Options{Targets: []graph.Node{img}, Color: dot.ByDuration, Stats: fakeRun(tiles, -1, 1<<30).Stats},
			[]string{">tile ×4096<", ">colour ×4096<", ">×4096<"}},
		{"odd names", odd, &dot.Options{Color: dot.ByOrder}, []string{"back\\slash &lt;&amp;&gt;"}},
		{"empty", new(graph.Graph), &dot.Options{Color: dot.ByOrder, Title: "nothing yet"}, []string{">nothing yet<"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := dot.Write(&b, c.g, c.o); err != nil {
				t.Fatal(err)
			}
			svg := render(t, dotPath, b.Bytes())
			for _, s := range c.want {
				if !strings.Contains(string(svg), s) {
					t.Errorf("the SVG does not show %q", s)
				}
			}
		})
	}
}
