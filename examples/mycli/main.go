// Command mycli is the taskgraph command with a pipeline of its own: it
// lists, draws and runs the built-in pipelines and "squares" (squares.go)
// with the same commands and flags.
//
//	go run ./examples/mycli list
//	go run ./examples/mycli run squares --n 1000 --workers 2
//	go run ./examples/mycli dot squares --n 5 -o squares.svg
package main

import (
	"github.com/seed001e6470/taskgraph/cmd/taskgraph/cli"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

func main() {
	pipeline.MustRegister(pipeline.Pipeline{
		Name:    "squares",
		Summary: "the sum of the squares of 1…n, a task per square",
		New:     func() pipeline.Params { return &Squares{N: 100} },
	})
	cli.Main()
}
