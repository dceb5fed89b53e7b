package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// progressAfter is how long a run goes before the bar appears: a run that
// ends sooner prints nothing, so quick runs are not cluttered. Tests set
// it to 0 to see the bar every time.
var progressAfter = 300 * time.Millisecond

// progressEvery is how often the bar is redrawn.
const progressEvery = 100 * time.Millisecond

// progress is a one-line text progress bar fed by scheduler hooks: tasks
// done out of the run's total, and the time so far. It is the stand-in for
// sched/diag's bar; the hooks are its only tie to the scheduler.
//
// The task hooks only add to a counter; a goroutine of the bar's own,
// started when the run starts and stopped (and waited for) when it ends,
// does the drawing, so workers never wait for the terminal.
type progress struct {
	w     io.Writer
	g     *graph.Graph // the run's graph: tasks that tasks spawn are not counted
	total atomic.Int64
	done  atomic.Int64

	start    time.Time
	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
	drawn    bool // only the drawing goroutine, then stop, touch it
}

func newProgress(w io.Writer, g *graph.Graph) *progress {
	return &progress{w: w, g: g, quit: make(chan struct{})}
}

func (p *progress) hooks() sched.Hooks {
	return sched.Hooks{
		RunStart: func(info sched.RunInfo) {
			p.total.Store(int64(info.Tasks))
			p.start = info.Start
			p.wg.Add(1)
			go p.loop()
		},
		TaskDone: func(ev sched.TaskEvent) {
			if ev.Graph == p.g {
				p.done.Add(1)
			}
		},
		RunDone: func(sched.RunStats) { p.stop() },
	}
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			if time.Since(p.start) >= progressAfter {
				p.draw()
			}
		}
	}
}

// stop ends the drawing and, if the bar was shown or the run was long
// enough to show it, draws the final state and ends the line. It may be
// called more than once, and when the run never started.
func (p *progress) stop() {
	p.stopOnce.Do(func() {
		close(p.quit)
		p.wg.Wait()
		if p.start.IsZero() {
			return // the run never started: nothing to show
		}
		if p.drawn || time.Since(p.start) >= progressAfter {
			p.draw()
			fmt.Fprintln(p.w)
		}
	})
}

const barWidth = 30

func (p *progress) draw() {
	p.drawn = true
	done, total := p.done.Load(), max(p.total.Load(), 1)
	fill := int(done * barWidth / total)
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d tasks %s",
		strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill),
		done*100/total, done, p.total.Load(), time.Since(p.start).Round(100*time.Millisecond))
}
