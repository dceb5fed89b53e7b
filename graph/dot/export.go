package dot

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	gv "github.com/emicklei/dot"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/analysis"
)

// Write writes the DOT picture of g to w; o may be nil. The same graph and
// options always give the same bytes.
func Write(w io.Writer, g *graph.Graph, o *Options) error {
	out, err := Build(g, o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	out.Write(&trimmer{w: bw}) // bw keeps the first error, for Flush
	return bw.Flush()
}

// trimmer drops blanks at the ends of lines: emicklei/dot indents its last,
// empty line, and trailing tabs make diffs and golden files noisy.
type trimmer struct {
	w       *bufio.Writer
	pending []byte // tabs and spaces held back until we see what follows
}

func (t *trimmer) Write(p []byte) (int, error) {
	for _, c := range p {
		switch c {
		case ' ', '\t':
			t.pending = append(t.pending, c)
			continue
		case '\n':
			t.pending = t.pending[:0]
		}
		if len(t.pending) > 0 {
			t.w.Write(t.pending)
			t.pending = t.pending[:0]
		}
		t.w.WriteByte(c)
	}
	return len(p), nil
}

// Build returns the picture of g as an emicklei/dot graph, for callers who
// want to adjust attributes before writing it; o may be nil. Nodes are
// keyed (for FindNodeById) by node ID in the expanded view and by "s" and
// stage number in the collapsed one, zero-padded to one width ("0042",
// "s007"); the legend is "~legend". Its String method leaves an indented
// empty line before the closing brace, which Write trims.
func Build(g *graph.Graph, o *Options) (*gv.Graph, error) {
	e := &exporter{g: g}
	if o != nil {
		e.o = *o
	}
	if err := e.o.check(g); err != nil {
		return nil, err
	}
	e.choose()
	if e.o.Color == ByOrder {
		e.positions()
	}
	e.out = gv.NewGraph(gv.Directed)
	e.out.ID("taskgraph")
	dir := e.o.Direction
	if dir == "" {
		dir = TopToBottom
	}
	e.out.Attr("rankdir", string(dir))
	// Keep each task's arguments in argument order across the page, so a
	// fan-in reads part[0], part[1], … rather than as mincross left it.
	e.out.Attr("ordering", "in")
	if e.o.Title != "" {
		e.out.Attr("label", e.o.Title)
		e.out.Attr("labelloc", "t")
	}
	if e.collapsed() {
		e.drawStages()
	} else {
		e.drawNodes()
	}
	return e.out, nil
}

// exporter holds one export's working state; its arrays are indexed by
// node ID.
type exporter struct {
	g   *graph.Graph
	o   Options
	out *gv.Graph

	targets []int
	need    []bool  // nil: every node is drawn
	count   int     // nodes drawn (expanded) or stood for (collapsed)
	pos     []int32 // place in the static order, -1 for none (ByOrder only)

	stageOf []int32 // stage number of each drawn node (see stages)
	stages  []stage
}

// stage is a group of drawn nodes of one stage name and one kind.
type stage struct {
	name  string
	kind  graph.Kind
	first int // lowest node ID: the stage's identity and its sort key
	size  int
}

func (e *exporter) drawn(id int) bool { return e.need == nil || e.need[id] }

// choose works out which nodes the picture shows.
func (e *exporter) choose() {
	for _, t := range e.o.Targets {
		e.targets = append(e.targets, t.ID())
	}
	e.count = e.g.Len()
	if len(e.targets) == 0 {
		return
	}
	e.need = analysis.Needed(e.g, e.targets...)
	e.count = 0
	for _, n := range e.need {
		if n {
			e.count++
		}
	}
}

func (e *exporter) collapsed() bool {
	switch e.o.View {
	case Expanded:
		return false
	case Collapsed:
		return true
	}
	limit := e.o.CollapseAbove
	if limit == 0 {
		limit = DefaultCollapseAbove
	}
	return e.count > limit
}

// positions numbers tasks in the static order the caller gave or, if none,
// the one a run of the targets (or of the whole graph) follows.
func (e *exporter) positions() {
	order := e.o.Order
	if order == nil {
		order = analysis.Order(e.g, e.targets...)
	}
	e.pos = make([]int32, e.g.Len())
	for i := range e.pos {
		e.pos[i] = -1
	}
	for i, id := range order {
		if e.pos[id] < 0 {
			e.pos[id] = int32(i)
		}
	}
}

// group assigns every drawn node to a stage, numbering stages by their
// first node so that output order follows the graph.
func (e *exporter) group() {
	type key struct {
		name string
		kind graph.Kind
	}
	index := make(map[key]int32)
	e.stageOf = make([]int32, e.g.Len())
	for id := range e.g.Len() {
		if !e.drawn(id) {
			e.stageOf[id] = -1
			continue
		}
		k := key{e.stageName(id), e.g.Kind(id)}
		s, ok := index[k]
		if !ok {
			s = int32(len(e.stages))
			index[k] = s
			e.stages = append(e.stages, stage{name: k.name, kind: k.kind, first: id})
		}
		e.stageOf[id] = s
		e.stages[s].size++
	}
}

func (e *exporter) stageName(id int) string {
	if e.o.Stage != nil {
		return e.o.Stage(id)
	}
	return e.g.Name(id)
}

// drawNodes is the expanded view: one node per task or value, one edge per
// distinct argument.
func (e *exporter) drawNodes() {
	ids := make([]int, 0, e.count)
	for id := range e.g.Len() {
		if e.drawn(id) {
			ids = append(ids, id)
		}
	}
	p := e.newPainter(len(ids))
	for _, id := range ids {
		p.add(e.nodeMeasure(id))
	}
	p.finish()

	var clusters []*gv.Graph
	if e.o.Clusters {
		clusters = e.clusters()
	}

	index := e.indexes()
	width := digits(e.g.Len() - 1)
	nodes := make([]gv.Node, e.g.Len())
	for k, id := range ids {
		parent := e.out
		if clusters != nil && clusters[e.stageOf[id]] != nil {
			parent = clusters[e.stageOf[id]]
		}
		name := e.g.Name(id)
		if index[id] >= 0 {
			name += "[" + strconv.Itoa(int(index[id])) + "]"
		}
		n := parent.Node(pad(id, width))
		n.Attr("label", p.label(k, name))
		n.Attr("shape", shapeOf(e.g.Kind(id), false))
		n.Attr("tooltip", e.g.Key(id))
		p.style(k, n)
		nodes[id] = n
	}

	// An argument passed twice is one edge: seen[d] remembers the last
	// dependent d was drawn for.
	seen := make([]int32, e.g.Len())
	for _, id := range ids {
		for _, d := range graph.ExecutableOf(e.g).Deps(id) {
			if seen[d] == int32(id)+1 {
				continue
			}
			seen[d] = int32(id) + 1
			e.out.Edge(nodes[d], nodes[id])
		}
	}
	p.legend(e.out)
}

// clusters makes a labelled box for every stage of more than one node,
// indexed by stage number (nil for the others).
func (e *exporter) clusters() []*gv.Graph {
	e.group()
	cs := make([]*gv.Graph, len(e.stages))
	width := digits(len(e.stages) - 1)
	for i, s := range e.stages {
		if s.size < 2 {
			continue
		}
		c := e.out.Subgraph("c"+pad(i, width), gv.ClusterOption{})
		c.Label(stageLabel(s.name, s.size))
		c.Attr("style", "rounded")
		c.Attr("color", "gray60")
		cs[i] = c
	}
	return cs
}

// indexes numbers the drawn nodes of every repeated name 0, 1, 2 … in ID
// order; -1 marks names drawn once. A picture of some targets numbers
// what it shows (sum[0], sum[1]), not the whole graph's nodes: the node's
// key, in its tooltip, is what stays the same across pictures.
func (e *exporter) indexes() []int32 {
	counts := make(map[string]int32)
	for id := range e.g.Len() {
		if e.drawn(id) {
			counts[e.g.Name(id)]++
		}
	}
	index := make([]int32, e.g.Len())
	next := make(map[string]int32)
	for id := range e.g.Len() {
		name := e.g.Name(id)
		if !e.drawn(id) || counts[name] == 1 {
			index[id] = -1
			continue
		}
		index[id] = next[name]
		next[name]++
	}
	return index
}

// drawStages is the collapsed view: one node per stage, one edge per pair
// of connected stages, labelled with the number of dependencies it stands
// for.
func (e *exporter) drawStages() {
	e.group()
	ms := make([]measure, len(e.stages))
	for i := range ms {
		ms[i].first, ms[i].last = -1, -1
	}
	for id := range e.g.Len() {
		if s := e.stageOf[id]; s >= 0 {
			ms[s].merge(e.nodeMeasure(id))
		}
	}
	p := e.newPainter(len(e.stages))
	for _, m := range ms {
		p.add(m)
	}
	p.finish()

	width := digits(len(e.stages) - 1)
	nodes := make([]gv.Node, len(e.stages))
	for i, s := range e.stages {
		n := e.out.Node("s" + pad(i, width))
		n.Attr("label", p.label(i, stageLabel(s.name, s.size)))
		n.Attr("shape", shapeOf(s.kind, s.size > 1))
		if s.size > 1 {
			// A double outline says "many": the picture stays honest
			// about how much work one node stands for.
			n.Attr("peripheries", "2")
		}
		p.style(i, n)
		nodes[i] = n
	}

	// Count dependencies between stages; every argument occurrence counts,
	// since each is data moving from one task to another.
	type pair struct{ from, to int32 }
	counts := make(map[pair]int)
	var pairs []pair
	for id := range e.g.Len() {
		to := e.stageOf[id]
		if to < 0 {
			continue
		}
		for _, d := range graph.ExecutableOf(e.g).Deps(id) {
			k := pair{e.stageOf[d], to}
			if counts[k] == 0 {
				pairs = append(pairs, k)
			}
			counts[k]++
		}
	}
	for _, k := range pairs {
		edge := e.out.Edge(nodes[k.from], nodes[k.to])
		if c := counts[k]; c > 1 {
			edge.Attr("label", "×"+strconv.Itoa(c))
		}
	}
	p.legend(e.out)
}

func stageLabel(name string, size int) string {
	if size == 1 {
		return name
	}
	return name + " ×" + strconv.Itoa(size)
}

// shapeOf follows Dask's pictures: functions are ellipses, data are boxes;
// a collapsed stage of values is a stack of boxes.
func shapeOf(k graph.Kind, many bool) string {
	switch {
	case k == graph.KindTask:
		return "ellipse"
	case many:
		return "box3d"
	}
	return "box"
}

// digits is the width of n in decimal, at least 1.
func digits(n int) int {
	w := 1
	for ; n >= 10; n /= 10 {
		w++
	}
	return w
}

// pad writes n zero-padded to width: emicklei/dot sorts nodes by their
// key as a string, and padded keys sort in numeric order.
func pad(n, width int) string {
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], int64(n), 10)
	if len(b) >= width {
		return string(b)
	}
	return strings.Repeat("0", width-len(b)) + string(b)
}
