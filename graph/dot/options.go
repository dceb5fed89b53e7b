package dot

import (
	"errors"
	"fmt"

	"github.com/seed001e6470/taskgraph/graph"
)

// Errors returned by [Build] and [Write].
var (
	// ErrOptions: the options contradict each other or hold an unknown value.
	ErrOptions = errors.New("dot: invalid options")
	// ErrTarget: a target is nil, broken, or belongs to another graph.
	ErrTarget = errors.New("dot: target is not a node of the graph")
)

// Direction is the way the picture flows, as Graphviz's rankdir.
type Direction string

const (
	TopToBottom Direction = "TB" // the default
	LeftToRight Direction = "LR"
	BottomToTop Direction = "BT" // Dask's default
	RightToLeft Direction = "RL"
)

// View chooses between one node per task and one node per stage.
type View uint8

const (
	// Auto expands graphs up to Options.CollapseAbove nodes and collapses
	// bigger ones, which no one could read node by node.
	Auto View = iota
	// Expanded draws one node per task and value.
	Expanded
	// Collapsed draws one node per stage (nodes sharing a name), labelled
	// with the stage's name and size ("tile ×4096").
	Collapsed
)

// DefaultCollapseAbove is the size above which [Auto] collapses a graph:
// a few hundred nodes is about what a person can still follow.
const DefaultCollapseAbove = 300

// Color chooses what the fill colour of a node tells.
type Color uint8

const (
	// Plain: no fill.
	Plain Color = iota
	// ByOrder colours tasks by their place in the static order, from
	// first (red) to last (blue), and adds the place to the label.
	ByOrder
	// ByDuration colours tasks by measured duration (Options.Stats), from
	// quick (pale yellow) to slow (dark red), on a logarithmic scale, and
	// adds the duration to the label. A collapsed stage shows the sum of
	// its tasks' durations: where the run's time went.
	ByDuration
	// ByState colours tasks by how they ended (Options.Stats). A collapsed
	// stage takes its worst state (failed, skipped, not run, done) and
	// counts its tasks by state in its label when they differ.
	ByState
)

// Options tune a picture. The zero value (or a nil *Options) draws the
// whole graph top to bottom, without colour, collapsed if it is large.
type Options struct {
	// Direction is the way the picture flows; "" means TopToBottom.
	Direction Direction
	// View: Auto, Expanded or Collapsed.
	View View
	// CollapseAbove is the size above which Auto collapses; 0 means
	// DefaultCollapseAbove. Only the exported nodes count (see Targets).
	CollapseAbove int
	// Targets, when not empty, limit the picture to what they need:
	// themselves and everything they depend on, as a run computing them.
	Targets []graph.Node
	// Stage names the stage of node id, for the collapsed view and for
	// clusters; nil means the node's name. Nodes of one stage and one kind
	// (task or value) are drawn together.
	Stage func(id int) string
	// Clusters draws every stage of more than one node inside a labelled
	// box in the expanded view (Graphviz clusters): bag partitions of one
	// stage side by side.
	Clusters bool
	// Color chooses what node colours tell (Plain, ByOrder, ByDuration,
	// ByState).
	Color Color
	// Order is the static order for ByOrder, as node IDs, first to run
	// first. Nil means analysis.Order of the targets (or of every sink).
	Order []int
	// Stats returns what a run measured for node id, and false when it
	// has nothing for it. Required by ByDuration and ByState; a
	// Recorder's Stats method fits.
	Stats func(id int) (Stats, bool)
	// Title is a caption for the picture; "" means none.
	Title string
}

// check reports options that cannot work, before anything is drawn.
func (o *Options) check(g *graph.Graph) error {
	switch o.Direction {
	case "", TopToBottom, LeftToRight, BottomToTop, RightToLeft:
	default:
		return fmt.Errorf("%w: direction %q (want TB, LR, BT or RL)", ErrOptions, o.Direction)
	}
	if o.View > Collapsed {
		return fmt.Errorf("%w: view %d", ErrOptions, o.View)
	}
	if o.Color > ByState {
		return fmt.Errorf("%w: color %d", ErrOptions, o.Color)
	}
	if o.CollapseAbove < 0 {
		return fmt.Errorf("%w: CollapseAbove %d is negative", ErrOptions, o.CollapseAbove)
	}
	if (o.Color == ByDuration || o.Color == ByState) && o.Stats == nil {
		return fmt.Errorf("%w: colouring by duration or state needs Stats", ErrOptions)
	}
	for _, id := range o.Order {
		if id < 0 || id >= g.Len() {
			return fmt.Errorf("%w: Order holds %d, not a node ID", ErrOptions, id)
		}
	}
	for _, t := range o.Targets {
		if t == nil || t.Graph() != g || t.ID() < 0 || t.ID() >= g.Len() {
			return fmt.Errorf("%w: %v", ErrTarget, t)
		}
	}
	return nil
}
