// Command taskgraph lists, draws and runs the workshop's pipelines, and
// any a program registers (package tasks/pipeline).
//
//	taskgraph list                              the pipelines, one line each
//	taskgraph run mandelbrot                    writes mandelbrot.png here
//	taskgraph run pi --samples 1e9 --workers 2  prints π ± its standard error
//	taskgraph run wordcount --input 'books/*.txt' --top 20 --out top.csv
//	taskgraph run generators --seq fibonacci --n 50
//	taskgraph dot pi --chunks 8 -o pi.svg       through Graphviz
//	taskgraph config                            the settings in force, and their sources
//	taskgraph version
//
// Every run takes --workers N (or TASKGRAPH_WORKERS), --keep-going,
// --limit NAME=N, --retries N, --timeout D, --log FILE|-, --json, --quiet,
// and the diagnostics of package sched/diag: --progress, --summary,
// --profile FILE.json, --trace FILE.json (for ui.perfetto.dev), --gantt
// FILE.png|.svg and --dot FILE. "taskgraph run PIPELINE --help" lists the
// pipeline's own flags. The exit status is 0 on success, 2 for a mistake
// on the command line, 1 when the run itself fails, 130 after Ctrl-C; the
// reason is one line on standard error. Output files appear complete or
// not at all. The commands are package cmd/taskgraph/cli, for programs
// that serve pipelines of their own.
package main

import "github.com/seed001e6470/taskgraph/cmd/taskgraph/cli"

func main() { cli.Main() }
