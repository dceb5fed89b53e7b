package diag

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Profile is what a Profiler makes of a whole run.
type Profile struct {
	Start   time.Time
	Wall    time.Duration // from the start of the run to its end
	Workers int
	// Tasks counts the run's tasks, as sched.RunInfo does; the others
	// count them by how they ended. Spawned counts the tasks of graphs
	// built and computed by tasks while they ran, which are extra.
	Tasks, Done, Failed, Skipped, NotRun int
	Spawned                              int
	// PerWorker is indexed by worker.
	PerWorker []WorkerProfile
	// Busy is the time workers spent inside tasks, summed over workers;
	// Utilisation is Busy over Wall × Workers, 1 when no worker ever
	// waited.
	Busy        time.Duration
	Utilisation float64
	// CriticalPath is the chain of dependent tasks, first to last, whose
	// measured durations add up to the most: CriticalTime. No schedule on
	// any number of workers could have finished sooner (overheads aside).
	CriticalPath []Record
	CriticalTime time.Duration
	PeakLive     int   // most task results held at once (sched.RunStats)
	Err          error // the run's error
}

// WorkerProfile is one worker's share of a run.
type WorkerProfile struct {
	Tasks       int           // tasks it ran, spawned ones included
	Busy        time.Duration // time inside tasks (nested spawned tasks count once)
	Utilisation float64       // Busy over the run's wall time
}

// Profile returns the figures of the last run, or ErrNoRun.
func (p *Profiler) Profile() (Profile, error) {
	an, err := p.analysis()
	if err != nil {
		return Profile{}, err
	}
	return an.profile, nil
}

// Slowest returns the n tasks that ran longest, slowest first (ties by
// start, then ID).
func (p *Profiler) Slowest(n int) []Record {
	an, _ := p.analysis()
	if an == nil || n <= 0 {
		return nil
	}
	an.slowOnce.Do(func() {
		ran := make([]Record, 0, len(an.records))
		for _, r := range an.records {
			if r.Ran() {
				ran = append(ran, r)
			}
		}
		// Stable: equal durations keep the records' order (by start).
		slices.SortStableFunc(ran, func(a, b Record) int { return cmp.Compare(b.Duration(), a.Duration()) })
		an.slowest = ran
	})
	return slices.Clip(an.slowest[:min(n, len(an.slowest))])
}

type analysis struct {
	records  []Record
	profile  Profile
	samples  []Sample
	own      ownIndex // the run's own tasks' records, by node ID
	slowest  []Record // all tasks that ran, slowest first; made on demand
	slowOnce sync.Once
}

func analyse(info sched.RunInfo, st sched.RunStats, samples []Sample, recs []Record) *analysis {
	an := &analysis{records: recs, samples: samples, own: newOwnIndex(recs)}
	pr := Profile{
		Start: info.Start, Wall: st.Elapsed, Workers: info.Workers, Tasks: info.Tasks,
		PeakLive: st.PeakLive, Err: st.Err,
		PerWorker: make([]WorkerProfile, info.Workers),
	}
	for _, r := range recs {
		if r.Spawned {
			pr.Spawned++
			continue
		}
		switch r.State {
		case sched.Done:
			pr.Done++
		case sched.Failed:
			pr.Failed++
		case sched.Skipped:
			pr.Skipped++
		case sched.NotRun:
			pr.NotRun++
		}
	}
	busy(recs, pr.PerWorker)
	for k := range pr.PerWorker {
		w := &pr.PerWorker[k]
		pr.Busy += w.Busy
		w.Utilisation = ratio(w.Busy, pr.Wall)
	}
	pr.Utilisation = ratio(pr.Busy, pr.Wall*time.Duration(max(pr.Workers, 1)))
	pr.CriticalPath, pr.CriticalTime = criticalPath(info.Graph, recs, an.own)
	an.profile = pr
	return an
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// busy adds up each worker's time inside tasks. A task that computes a
// graph it built lends its worker to the graph's tasks while it waits, so
// their intervals nest inside its own: what counts is the union of a
// worker's intervals, which one pass over them in start order finds.
func busy(recs []Record, ws []WorkerProfile) {
	ends := make([]time.Time, len(ws)) // end of each worker's current stretch
	for _, r := range recs {
		if !r.Ran() || r.Worker < 0 || r.Worker >= len(ws) {
			continue
		}
		w := &ws[r.Worker]
		w.Tasks++
		start, end := r.Start, r.End
		if e := ends[r.Worker]; start.Before(e) { // overlaps the stretch
			if !end.After(e) {
				continue
			}
			start = e
		}
		w.Busy += end.Sub(start)
		ends[r.Worker] = end
	}
}

// ownIndex finds the record of a task of the run's own graph by its ID:
// a slice over the range of IDs the run used, which is dense for any run
// worth profiling and, unlike a map, cheap to build for a million tasks.
// A profile read back (ReadJSON) may have IDs too far apart for a slice
// over their range: its index is a map instead, byID, which only get
// reads (criticalPath needs the slice, and works on a run's records).
type ownIndex struct {
	lo   int
	idx  []int32 // 1 + index into the records, or 0
	byID map[int]int32
}

func newOwnIndex(recs []Record) ownIndex {
	lo, hi := math.MaxInt, -1
	for _, r := range recs {
		if !r.Spawned {
			lo, hi = min(lo, r.ID), max(hi, r.ID)
		}
	}
	if hi < 0 {
		return ownIndex{}
	}
	o := ownIndex{lo: lo, idx: make([]int32, hi-lo+1)}
	for k, r := range recs {
		if !r.Spawned {
			o.idx[r.ID-lo] = int32(k + 1)
		}
	}
	return o
}

// get returns the index of node id's record.
func (o ownIndex) get(id int) (int, bool) {
	if o.byID != nil {
		k, ok := o.byID[id]
		return int(k), ok
	}
	if j := id - o.lo; j >= 0 && j < len(o.idx) && o.idx[j] != 0 {
		return int(o.idx[j]) - 1, true
	}
	return 0, false
}

// criticalPath finds the longest chain of measured durations through the
// run's own tasks, in O(V+E). A node's arguments are always older than
// the node (graphs are append-only and an argument must exist to be
// passed), so increasing ID is a topological order: one sweep computes
// for each task the heaviest chain ending at it. Only tasks that ran form
// chains: one that did not has no duration, and a failed run's skipped
// join would otherwise end every chain.
func criticalPath(g *graph.Graph, recs []Record, own ownIndex) ([]Record, time.Duration) {
	n := len(own.idx)
	if g == nil || n == 0 {
		return nil, 0
	}
	lo := own.lo
	heavy := make([]time.Duration, n) // heaviest chain ending at the task
	prev := make([]int32, n)          // its previous task (ID), or -1
	ok := func(j int) bool { return j >= 0 && j < n && own.idx[j] != 0 && recs[own.idx[j]-1].Ran() }
	best := -1
	for i := range n {
		if !ok(i) {
			continue
		}
		var w time.Duration
		p := int32(-1)
		for _, d := range graph.ExecutableOf(g).Deps(lo + i) {
			if j := int(d) - lo; ok(j) && (p < 0 || heavy[j] > w) {
				w, p = heavy[j], d
			}
		}
		w += recs[own.idx[i]-1].Duration()
		heavy[i], prev[i] = w, p
		// On a tie the later task wins: it may be the first one's
		// dependent, which a clock too coarse to see it made free.
		if best < 0 || w >= heavy[best] {
			best = i
		}
	}
	if best < 0 {
		return nil, 0
	}
	var chain []Record
	for id := int32(lo + best); id >= 0; id = prev[int(id)-lo] {
		chain = append(chain, recs[own.idx[int(id)-lo]-1])
	}
	slices.Reverse(chain)
	return chain, heavy[best]
}

// stage is the group a task's time is shown under: its name, or for a
// spawned task the last part of its path ("sort/sort/merge" is a
// "merge"), so that a recursion does not make one stage per depth.
func stage(r Record) string {
	if !r.Spawned {
		return r.Name
	}
	return r.Name[strings.LastIndexByte(r.Name, '/')+1:]
}
