package diag

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
)

// SummarySlowest is how many of the slowest tasks Summary lists.
const SummarySlowest = 5

// Summary writes the last run as plain-text tables: the run (tasks by
// state, wall and busy time, utilisation, critical path, peak live
// results and resources), each worker's share, each stage's (tasks of one
// name) and the slowest tasks. Rows come in a fixed order (workers and
// stages by name, slowest by duration), so two summaries diff line by
// line.
func (p *Profiler) Summary(w io.Writer) error {
	an, err := p.analysis()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	pr := an.profile
	row := func(cells ...any) {
		for k, c := range cells {
			if k > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw)
	}
	flush := func() {
		tw.Flush()
		fmt.Fprintln(bw)
	}

	tasks := fmt.Sprintf("%d: %d done, %d failed, %d skipped, %d not run", pr.Tasks, pr.Done, pr.Failed, pr.Skipped, pr.NotRun)
	if pr.Spawned > 0 {
		tasks += fmt.Sprintf("; %d spawned", pr.Spawned)
	}
	row("tasks", tasks)
	row("workers", pr.Workers)
	row("wall", fmtDur(pr.Wall))
	row("busy", fmt.Sprintf("%s, %s of workers × wall", fmtDur(pr.Busy), percent(pr.Utilisation)))
	if len(pr.CriticalPath) > 0 {
		row("critical path", fmt.Sprintf("%s, %s of wall, %d tasks: %s", fmtDur(pr.CriticalTime),
			percent(ratio(pr.CriticalTime, pr.Wall)), len(pr.CriticalPath), chain(pr.CriticalPath)))
	}
	row("peak live", fmt.Sprintf("%d results", pr.PeakLive))
	if len(an.samples) > 0 {
		var heap uint64
		var gs int
		for _, s := range an.samples {
			heap, gs = max(heap, s.HeapBytes), max(gs, s.Goroutines)
		}
		last := an.samples[len(an.samples)-1]
		row("heap", fmt.Sprintf("peak %.1f MiB (%d samples)", mib(heap), len(an.samples)))
		row("goroutines", fmt.Sprintf("peak %d", gs))
		row("cpu", fmt.Sprintf("%s, %.2f cores on average", fmtDur(last.CPU), cores(Sample{}, last)))
	}
	if pr.Err != nil {
		row("error", firstLine(pr.Err.Error()))
	}
	flush()

	row("worker", "tasks", "busy", "utilisation")
	for k, wp := range pr.PerWorker {
		row(k, wp.Tasks, fmtDur(wp.Busy), percent(wp.Utilisation))
	}
	flush()

	row("stage", "tasks", "failed", "total", "mean", "max")
	for _, s := range stages(an.records) {
		row(s.name, s.tasks, s.failed, fmtDur(s.total), fmtDur(s.total/time.Duration(max(s.ran, 1))), fmtDur(s.max))
	}
	flush()

	row("slowest", "worker", "start", "duration", "state")
	for _, r := range p.Slowest(SummarySlowest) {
		row(r.Key, r.Worker, fmtDur(r.Start.Sub(pr.Start)), fmtDur(r.Duration()), r.State)
	}
	tw.Flush()
	return bw.Flush()
}

type stageStats struct {
	name               string
	tasks, ran, failed int
	total, max         time.Duration
}

// stages adds up the tasks of each stage, sorted by name.
func stages(recs []Record) []stageStats {
	by := map[string]*stageStats{}
	for _, r := range recs {
		name := stage(r)
		s := by[name]
		if s == nil {
			s = &stageStats{name: name}
			by[name] = s
		}
		s.tasks++
		if r.State == sched.Failed {
			s.failed++
		}
		if r.Ran() {
			s.ran++
			s.total += r.Duration()
			s.max = max(s.max, r.Duration())
		}
	}
	out := make([]stageStats, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b stageStats) int { return cmp.Compare(a.name, b.name) })
	return out
}

// chain names the tasks of a path, eliding the middle of a long one.
func chain(rs []Record) string {
	const ends = 3
	keys := make([]string, 0, 2*ends+1)
	for k, r := range rs {
		switch {
		case k < ends || k >= len(rs)-ends:
			keys = append(keys, r.Key)
		case k == ends:
			keys = append(keys, fmt.Sprintf("… %d more …", len(rs)-2*ends))
		}
	}
	return strings.Join(keys, " → ")
}

// fmtDur rounds d to three significant digits: 12.3ms, not 12.345678ms.
func fmtDur(d time.Duration) string {
	u := time.Duration(1)
	for d >= 1000*u && u < time.Second {
		u *= 10
	}
	return d.Round(u).String()
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func firstLine(s string) string {
	if k := strings.IndexByte(s, '\n'); k >= 0 {
		return s[:k] + " …"
	}
	return s
}
