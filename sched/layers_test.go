package sched

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The files of the package, top-down: a file calls functions of files
// below it only, so the package reads from the API down to the deque and
// the plan. A new file takes its place here.
var layers = []string{
	"sched.go",     // the API
	"execute.go",   // one computation's steps
	"helper.go",    // sub-runs, co-run on the spawner's pool
	"parallel.go",  // a pool's workers started and waited for
	"state.go",     // per-graph state: the lock, the cached plan
	"worker.go",    // a pool worker: its loop, stealing, readiness
	"resources.go", // limits: acquire, release, grants
	"runner.go",    // the task in progress: run it, record its end
	"executor.go",  // hand-offs: the Executor seam and the inbox
	"hooks.go",     // calling Hooks
	"run.go",       // a run's state: results, settling, failure, outcome
	"pool.go",      // the pool's shared queues and sleepers
	"deque.go",     // a worker's deque
	"plan.go",      // the static plan
	"rank.go",      // the ranked heap's order
	"errors.go",    // error types
	"doc.go",
}

func TestFilesLayer(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		if !slices.Contains(layers, n) {
			t.Errorf("%s is not in layers: give it its place", n)
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil), Error: func(error) {}}
	if _, err := conf.Check("sched", fset, files, info); err != nil {
		t.Fatalf("type-checking the package: %v", err)
	}
	declared := map[types.Object]string{}
	for id, obj := range info.Defs {
		if _, ok := obj.(*types.Func); ok {
			declared[obj] = filepath.Base(fset.Position(id.Pos()).Filename)
		}
	}
	level := func(f string) int { return slices.Index(layers, f) }
	for id, obj := range info.Uses {
		to, ok := declared[obj]
		from := filepath.Base(fset.Position(id.Pos()).Filename)
		if !ok || to == from {
			continue
		}
		if level(to) < level(from) {
			t.Errorf("%s calls %s of %s, a file above it", fset.Position(id.Pos()), obj.Name(), to)
		}
	}
}
