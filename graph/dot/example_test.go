package dot_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
)

func ExampleWrite() {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	a := graph.Call(g, "inc", inc, x)
	b := graph.Call(g, "double", double, x)
	graph.Call2(g, "add", add, a, b)

	if err := dot.Write(os.Stdout, g, nil); err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph taskgraph {
	// 	ordering="in";rankdir="TB";
	// 	n1[label="x",shape="box",tooltip="x#0"];
	// 	n2[label="inc",shape="ellipse",tooltip="inc#1"];
	// 	n3[label="double",shape="ellipse",tooltip="double#2"];
	// 	n4[label="add",shape="ellipse",tooltip="add#3"];
	// 	n1->n2;
	// 	n1->n3;
	// 	n2->n4;
	// 	n3->n4;
	//
	// }
}

// A graph of 8,194 nodes is drawn as its three stages. Auto would collapse
// it anyway (it has more than DefaultCollapseAbove nodes); Collapsed says
// so whatever the size.
func ExampleWrite_collapsed() {
	g, _ := tileGraph(4096)
	err := dot.Write(os.Stdout, g, &dot.Options{View: dot.Collapsed, Direction: dot.LeftToRight})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph taskgraph {
	// 	ordering="in";rankdir="LR";
	// 	n1[label="view",shape="box"];
	// 	n2[label="tile ×4096",peripheries="2",shape="ellipse"];
	// 	n3[label="colour ×4096",peripheries="2",shape="ellipse"];
	// 	n4[label="assemble",shape="ellipse"];
	// 	n1->n2[label="×4096"];
	// 	n2->n3[label="×4096"];
	// 	n3->n4[label="×4096"];
	//
	// }
}

// Colouring by static order (Dask's color="order") of only what one
// target needs; repeated names get an index.
func ExampleWrite_order() {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	parts := []graph.Delayed[int]{graph.Call(g, "part", inc, x), graph.Call(g, "part", inc, x)}
	total := graph.CallSlice(g, "total", sum, parts)
	graph.Call(g, "other", inc, x) // not needed by total: left out

	err := dot.Write(os.Stdout, g, &dot.Options{Color: dot.ByOrder, Targets: []graph.Node{total}})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph taskgraph {
	// 	ordering="in";rankdir="TB";
	// 	n1[label="x",shape="box",tooltip="x#0"];
	// 	n2[fillcolor="#b2182b",fontcolor="white",label="part[0]\norder 1",shape="ellipse",style="filled",tooltip="part#1"];
	// 	n3[fillcolor="#fddbc7",label="part[1]\norder 2",shape="ellipse",style="filled",tooltip="part#2"];
	// 	n4[fillcolor="#2166ac",fontcolor="white",label="total\norder 3",shape="ellipse",style="filled",tooltip="total#3"];
	// 	n5[label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td colspan="2"><b>static order</b></td></tr><tr><td width="24" bgcolor="#b2182b"></td><td align="left">1</td></tr><tr><td width="24" bgcolor="#fddbc7"></td><td align="left">2</td></tr><tr><td width="24" bgcolor="#2166ac"></td><td align="left">3</td></tr></table>>,shape="plaintext"];
	// 	n1->n2;
	// 	n1->n3;
	// 	n2->n4;
	// 	n3->n4;
	//
	// }
}

// Build returns the emicklei/dot graph, to adjust before writing.
func ExampleBuild() {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	graph.Call(g, "inc", inc, x)

	out, err := dot.Build(g, &dot.Options{Title: "one step"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out.Attr("fontname", "Helvetica")
	if n, ok := out.FindNodeById("1"); ok { // nodes are keyed by padded ID
		n.Attr("color", "blue")
	}
	var b strings.Builder
	out.Write(&b)
	// emicklei/dot indents its last, empty line; Write trims it.
	fmt.Print(strings.ReplaceAll(b.String(), "\t\n", "\n"))
	// Output:
	// digraph taskgraph {
	// 	fontname="Helvetica";label="one step";labelloc="t";ordering="in";rankdir="TB";
	// 	n1[label="x",shape="box",tooltip="x#0"];
	// 	n2[color="blue",label="inc",shape="ellipse",tooltip="inc#1"];
	// 	n1->n2;
	//
	// }
}

// A Recorder keeps what a run reported; its Stats method feeds the
// colouring. Here the measurements are made up.
func ExampleRecorder() {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	a := graph.Call(g, "fast", inc, x)
	graph.Call(g, "slow", inc, a)

	var rec dot.Recorder
	rec.Record(1, dot.Stats{State: dot.Done, Duration: 1500 * time.Microsecond})
	rec.Record(2, dot.Stats{State: dot.Done, Duration: 2 * time.Second})
	s, ok := rec.Stats(2)
	fmt.Println(s, ok)

	err := dot.Write(os.Stdout, g, &dot.Options{Color: dot.ByDuration, Stats: rec.Stats})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// {done 2s} true
	// digraph taskgraph {
	// 	ordering="in";rankdir="TB";
	// 	n1[label="x",shape="box",tooltip="x#0"];
	// 	n2[fillcolor="#ffffb2",label="fast\n1.5ms",shape="ellipse",style="filled",tooltip="fast#1"];
	// 	n3[fillcolor="#bd0026",fontcolor="white",label="slow\n2s",shape="ellipse",style="filled",tooltip="slow#2"];
	// 	n4[label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td colspan="2"><b>duration</b></td></tr><tr><td width="24" bgcolor="#ffffb2"></td><td align="left">1.5ms</td></tr><tr><td width="24" bgcolor="#bd0026"></td><td align="left">2s</td></tr></table>>,shape="plaintext"];
	// 	n1->n2;
	// 	n2->n3;
	//
	// }
}

// After a run: the scheduler's TaskDone hook feeds a Recorder, and the
// picture shows how each task ended. Package dot does not import sched;
// the hook converts sched's state with its String method.
func Example_afterARun() {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	ok := graph.Call(g, "ok", inc, x)
	bad := graph.CallCtx(g, "bad", func(context.Context, int) (int, error) { return 0, errors.New("boom") }, x)
	total := graph.Call2(g, "total", add, ok, bad)

	var rec dot.Recorder
	hooks := sched.Hooks{TaskDone: func(ev sched.TaskEvent) {
		rec.Record(ev.ID, dot.Stats{State: dot.State(ev.State.String()), Duration: ev.Duration})
	}}
	_, err := sched.Compute(context.Background(), total, sched.KeepGoing(), sched.WithHooks(hooks))
	fmt.Println("run:", err != nil)

	err = dot.Write(os.Stdout, g, &dot.Options{Color: dot.ByState, Stats: rec.Stats, Direction: dot.LeftToRight})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// run: true
	// digraph taskgraph {
	// 	ordering="in";rankdir="LR";
	// 	n1[label="x",shape="box",tooltip="x#0"];
	// 	n2[fillcolor="#a6d96a",label="ok",shape="ellipse",style="filled",tooltip="ok#1"];
	// 	n3[fillcolor="#e34a33",fontcolor="white",label="bad",shape="ellipse",style="filled",tooltip="bad#2"];
	// 	n4[fillcolor="#fdae61",label="total",shape="ellipse",style="filled",tooltip="total#3"];
	// 	n5[label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td colspan="2"><b>state</b></td></tr><tr><td width="24" bgcolor="#e34a33"></td><td align="left">failed (1)</td></tr><tr><td width="24" bgcolor="#fdae61"></td><td align="left">skipped (1)</td></tr><tr><td width="24" bgcolor="#a6d96a"></td><td align="left">done (1)</td></tr></table>>,shape="plaintext"];
	// 	n1->n2;
	// 	n1->n3;
	// 	n2->n4;
	// 	n3->n4;
	//
	// }
}
