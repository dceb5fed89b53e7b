package cli

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needGraphviz skips a rendering test where Graphviz is not installed,
// saying so, except in CI (CI=true), which installs it: there a missing
// dot is a failure.
func needGraphviz(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dot"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Graphviz's dot is not installed, and CI=true: CI must install the graphviz package")
		}
		t.Skip("Graphviz's dot is not installed (apt-get install graphviz): rendering not tested")
	}
}

// dot -o renders SVG, PNG and PDF through Graphviz, each valid and whole.
func TestDotRenders(t *testing.T) {
	needGraphviz(t)
	dir := t.TempDir()
	for _, name := range []string{"g.svg", "g.png", "g.pdf", "g.dot", "g.gv"} {
		path := filepath.Join(dir, name)
		code, stdout, stderr := tg(t, "dot", "pi", "--chunks=4", "--rankdir=LR", "-o", path)
		if code != 0 || stdout != "" || stderr != "" {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(name) {
		case ".svg":
			var doc struct {
				XMLName xml.Name
				Text    string `xml:",innerxml"`
			}
			if err := xml.Unmarshal(b, &doc); err != nil || doc.XMLName.Local != "svg" || !strings.Contains(doc.Text, "estimate") {
				t.Errorf("SVG %v, root %q", err, doc.XMLName.Local)
			}
		case ".png":
			if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width < 100 || cfg.Height < 20 {
				t.Errorf("PNG %+v, %v", cfg, err)
			}
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("PNG does not decode: %v", err)
			}
		case ".pdf":
			if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[len(b)-64:], []byte("%%EOF")) {
				t.Errorf("not a whole PDF: %.20q … %q", b, b[len(b)-20:])
			}
		default:
			if !bytes.HasPrefix(b, []byte("digraph")) || !bytes.Contains(b, []byte(`rankdir="LR"`)) {
				t.Errorf("DOT %.60q", b)
			}
		}
	}
	if got := files(t, dir); len(got) != 5 {
		t.Errorf("directory holds %q", got)
	}
}

// Without Graphviz, asking for a picture is one line naming the package
// to install, and no file.
func TestDotWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no dot here
	dir := t.TempDir()
	code, stdout, stderr := tg(t, "dot", "pi", "-o", filepath.Join(dir, "g.svg"))
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	oneLine(t, "no Graphviz", stderr, "apt-get install graphviz")
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
	// DOT text needs no Graphviz.
	code, _, stderr = tg(t, "dot", "pi", "-o", filepath.Join(dir, "g.dot"))
	if code != 0 {
		t.Errorf(".dot without Graphviz: exit %d, %q", code, stderr)
	}
}

// The picture options: view, collapse-above, rankdir, and colours from a
// profile of a run with the same flags.
func TestDotOptions(t *testing.T) {
	dir := t.TempDir()
	_, full, _ := tg(t, "dot", "mandelbrot", "--tiles=4", "--view=full")
	_, coll, _ := tg(t, "dot", "mandelbrot", "--tiles=4", "--view=collapsed")
	_, auto, _ := tg(t, "dot", "mandelbrot", "--tiles=4", "--collapse-above=3")
	_, auto2, _ := tg(t, "dot", "mandelbrot", "--tiles=4")
	if !strings.Contains(full, "tile[3]") || !strings.Contains(coll, "tile ×4") || auto != coll || auto2 != full {
		t.Errorf("views:\nfull %s\ncollapsed %s\nauto(3) %s", full, coll, auto)
	}
	_, bt, _ := tg(t, "dot", "pi", "--chunks=2", "--rankdir=bt")
	if !strings.Contains(bt, `rankdir="BT"`) {
		t.Errorf("rankdir: %s", bt)
	}

	prof := filepath.Join(dir, "p.json")
	if code, _, stderr := tg(t, "run", "testing", "--n=3", "--fail=1", "--keep-going", "--profile", prof); code != 1 {
		t.Fatalf("run: %d %q", code, stderr)
	}
	code, state, stderr := tg(t, "dot", "testing", "--n=3", "--fail=1", "--color=state", "--profile", prof)
	if code != 0 || !strings.Contains(state, "failed") || !strings.Contains(state, "skipped") || !strings.Contains(state, "fillcolor") {
		t.Errorf("--color=state: %d %q\n%s", code, stderr, state)
	}
	code, dur, stderr := tg(t, "dot", "testing", "--n=3", "--fail=1", "--profile", prof) // duration by default
	if code != 0 || !strings.Contains(dur, "fillcolor") || dur == state {
		t.Errorf("--profile alone: %d %q\n%s", code, stderr, dur)
	}
	code, _, stderr = tg(t, "dot", "pi", "--chunks=7", "--profile", prof)
	if code != 1 {
		t.Errorf("a profile of another graph: exit %d", code)
	}
	oneLine(t, "other graph", stderr, "profile of another graph")

	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--view=sideways"}, 2, "--view"},
		{[]string{"--collapse-above=0"}, 2, "--collapse-above: must be at least 1"},
		{[]string{"--rankdir=up"}, 2, "--rankdir"},
		{[]string{"--color=duration"}, 2, "--color: duration needs a profile"},
		{[]string{"--color=state"}, 2, "--color: state needs a profile"},
		{[]string{"--color=red"}, 2, "--color"},
		{[]string{"-o", "g.gif"}, 2, "--output: cannot tell the format"},
		{[]string{"--profile", filepath.Join(dir, "missing.json")}, 1, "cannot read"},
		{[]string{"--profile", filepath.Join(dir, "no", "x.json"), "--color=state"}, 1, "cannot read"},
		{[]string{"-o", filepath.Join(dir, "no", "g.dot")}, 1, "cannot write"},
	} {
		args := append([]string{"dot", "pi"}, c.args...)
		code, stdout, stderr := tg(t, args...)
		name := strings.Join(c.args, " ")
		if code != c.code || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		oneLine(t, name, stderr, c.says)
	}
	notJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(notJSON, []byte("[1,2"), 0o644)
	code, _, stderr = tg(t, "dot", "pi", "--profile", notJSON)
	if code != 1 {
		t.Errorf("not a profile: exit %d", code)
	}
	oneLine(t, "not a profile", stderr, "is not a profile")
	newer := filepath.Join(dir, "newer.json")
	os.WriteFile(newer, []byte(`{"version": 99}`), 0o644)
	code, _, stderr = tg(t, "dot", "pi", "--profile", newer)
	if code != 1 {
		t.Errorf("a profile of another version: exit %d", code)
	}
	oneLine(t, "another version", stderr, "newer.json: diag: unsupported profile version 99")
}

// Completion is on: the bash script loads, pipeline names and
// enumerated flag values complete.
func TestCompletion(t *testing.T) {
	code, script, _ := tg(t, "completion", "bash")
	if code != 0 || !strings.Contains(script, "__start_taskgraph") {
		t.Fatalf("completion bash: exit %d", code)
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		// As a user would: source <(taskgraph completion bash).
		c := exec.Command(bash, "-c", `source <("$0" completion bash) && complete -p taskgraph`, os.Args[0])
		c.Env = append(os.Environ(), beCLI+"=1")
		out, err := c.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "complete") || !strings.HasSuffix(strings.TrimSpace(string(out)), " taskgraph") {
			t.Errorf("bash: %v\n%s", err, out)
		}
	}
	complete := func(args ...string) string {
		_, out, _ := tg(t, append([]string{"__complete"}, args...)...)
		return out
	}
	if out := complete("run", ""); !strings.Contains(out, "mandelbrot\t") || !strings.Contains(out, "wordcount\t") {
		t.Errorf("pipeline names: %q", out)
	}
	if out := complete("dot", "pi", "--color", ""); !strings.Contains(out, "duration\n") || !strings.Contains(out, "state\n") {
		t.Errorf("--color values: %q", out)
	}
	if out := complete("dot", "pi", "--view", ""); !strings.Contains(out, "collapsed\n") {
		t.Errorf("--view values: %q", out)
	}
	if out := complete("run", "pi", "--log-format", ""); !strings.Contains(out, "json\n") {
		t.Errorf("--log-format values: %q", out)
	}
	if out := complete("run", "generators", "--seq", ""); !strings.Contains(out, "fibonacci\n") {
		t.Errorf("--seq values: %q", out)
	}
	for _, sh := range []string{"zsh", "fish", "powershell"} {
		if code, out, _ := tg(t, "completion", sh); code != 0 || len(out) < 100 {
			t.Errorf("completion %s: exit %d", sh, code)
		}
	}
}
