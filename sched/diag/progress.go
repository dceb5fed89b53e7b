package diag

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/seed001e6470/taskgraph/sched"
)

// ProgressOptions tune a progress bar. The zero value draws on terminals
// only, labelled "tasks", redrawn every DefaultRedraw.
type ProgressOptions struct {
	// Force draws the bar even when the writer is not a terminal (a log
	// file, a test's buffer).
	Force bool
	// Description is shown before the bar; "" means "tasks".
	Description string
	// Redraw is how often the bar is redrawn; 0 means DefaultRedraw.
	Redraw time.Duration
	// Width is the bar's width in characters; 0 means 40.
	Width int
}

// DefaultRedraw is how often a progress bar is redrawn: often enough to
// look live, rarely enough that drawing costs nothing.
const DefaultRedraw = 100 * time.Millisecond

// Progress returns hooks that draw a progress bar on w while a run goes
// (Dask's ProgressBar): tasks done of total, percentage, rate, elapsed
// time and time left. The bar is only drawn when w is a terminal or
// o.Force is set; otherwise Progress returns empty hooks, which cost a run
// nothing.
//
// Workers only count a finished task (one atomic add); a goroutine that
// the hooks start at RunStart and stop, and wait for, at RunDone does the
// drawing, so a slow terminal never holds up a task. Every task is
// counted however it ended, so the bar ends full; a failed run says so in
// its label. Tasks of graphs that tasks spawn count too: the total grows
// as they appear (SubRunStart). The hooks serve one run at a time.
func Progress(w io.Writer, o ProgressOptions) sched.Hooks {
	if !o.Force && !IsTerminal(w) {
		return sched.Hooks{}
	}
	if o.Description == "" {
		o.Description = "tasks"
	}
	if o.Redraw <= 0 {
		o.Redraw = DefaultRedraw
	}
	if o.Width <= 0 {
		o.Width = 40
	}
	pb := &progress{w: w, o: o}
	return sched.Hooks{RunStart: pb.runStart, TaskDone: pb.taskDone, RunDone: pb.runDone, SubRunStart: pb.subRunStart}
}

// IsTerminal tells whether w is a terminal (an *os.File or anything else
// with a file descriptor that is one).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

type progress struct {
	w io.Writer
	o ProgressOptions

	// Set by RunStart before any task starts, grown by SubRunStart.
	total atomic.Int64

	done atomic.Int64
	bar  *progressbar.ProgressBar
	stop chan struct{}
	wg   sync.WaitGroup
}

func (pb *progress) runStart(info sched.RunInfo) {
	pb.total.Store(int64(info.Tasks))
	pb.bar = nil
	pb.done.Store(0)
	if info.Tasks == 0 {
		return // the library refuses a bar of length 0
	}
	pb.bar = progressbar.NewOptions(info.Tasks,
		progressbar.OptionSetWriter(pb.w),
		progressbar.OptionSetDescription(pb.o.Description),
		progressbar.OptionSetWidth(pb.o.Width),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("tasks"),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(pb.w) }),
	)
	_ = pb.bar.RenderBlank() // also starts the bar's clock
	pb.stop = make(chan struct{})
	pb.wg.Add(1)
	go pb.draw()
}

// taskDone counts a task of the run or of a graph spawned inside it.
func (pb *progress) taskDone(sched.TaskEvent) { pb.done.Add(1) }

// subRunStart grows the total by the tasks of a spawned graph.
func (pb *progress) subRunStart(info sched.RunInfo) { pb.total.Add(int64(info.Tasks)) }

// show draws the count; only the drawing goroutine (and runDone, once it
// has stopped) touches the bar.
func (pb *progress) show() {
	total := pb.total.Load()
	if total != int64(pb.bar.GetMax()) {
		pb.bar.ChangeMax64(total)
	}
	// The bar refuses to go past its end; the count cannot, but stay on
	// the safe side of a miscount.
	_ = pb.bar.Set64(min(pb.done.Load(), total))
}

func (pb *progress) draw() {
	defer pb.wg.Done()
	t := time.NewTicker(pb.o.Redraw)
	defer t.Stop()
	for {
		select {
		case <-pb.stop:
			return
		case <-t.C:
			pb.show()
		}
	}
}

func (pb *progress) runDone(st sched.RunStats) {
	if pb.bar == nil {
		return
	}
	close(pb.stop)
	pb.wg.Wait()
	if st.Err != nil {
		pb.bar.Describe(pb.o.Description + " (failed)")
	}
	pb.show()
	if !pb.bar.IsFinished() {
		_ = pb.bar.Exit() // leave the bar where it stopped, on a line of its own
	}
	pb.bar = nil
}
