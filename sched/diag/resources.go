package diag

import (
	"runtime/metrics"
	"time"
)

// Sample is one reading of the process's resources during a run.
type Sample struct {
	At time.Duration // since the run started
	// HeapBytes is the memory held by heap objects, live or not yet
	// swept (runtime/metrics /memory/classes/heap/objects:bytes).
	HeapBytes uint64
	// Goroutines is the number of live goroutines
	// (/sched/goroutines:goroutines).
	Goroutines int
	// CPU is the CPU time (user and system) the process used since the
	// run started; over two samples, its growth divided by the time
	// between them is the number of cores kept busy.
	CPU time.Duration
}

var sampleNames = [...]string{"/memory/classes/heap/objects:bytes", "/sched/goroutines:goroutines"}

// sampler reads the resources at an interval in a goroutine of its own,
// which its owner (the Profiler's run) stops and waits for.
type sampler struct {
	t0      time.Time
	every   time.Duration
	cpu0    time.Duration
	buf     []metrics.Sample
	samples []Sample
	stop    chan struct{}
	done    chan struct{}
}

func startSampler(every time.Duration, t0 time.Time) *sampler {
	s := &sampler{t0: t0, every: every, cpu0: processCPU(), stop: make(chan struct{}), done: make(chan struct{})}
	s.buf = make([]metrics.Sample, len(sampleNames))
	for k, name := range sampleNames {
		s.buf[k].Name = name
	}
	s.read() // the state the run starts from
	go s.loop(every)
	return s
}

func (s *sampler) loop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.read()
		}
	}
}

// finish stops the goroutine, waits for it, and takes a last sample:
// the state the run ended in.
func (s *sampler) finish() []Sample {
	close(s.stop)
	<-s.done
	s.read()
	// A last interval much shorter than the others would give a CPU rate
	// of mostly rounding noise: fold it into the one before.
	if n := len(s.samples); n > 2 && s.samples[n-1].At-s.samples[n-2].At < s.every/2 {
		s.samples = append(s.samples[:n-2], s.samples[n-1])
	}
	return s.samples
}

func (s *sampler) read() {
	metrics.Read(s.buf)
	smp := Sample{At: time.Since(s.t0), CPU: processCPU() - s.cpu0}
	// A metric this Go release does not know reads as KindBad: leave zero.
	if v := s.buf[0].Value; v.Kind() == metrics.KindUint64 {
		smp.HeapBytes = v.Uint64()
	}
	if v := s.buf[1].Value; v.Kind() == metrics.KindUint64 {
		smp.Goroutines = int(v.Uint64())
	}
	s.samples = append(s.samples, smp)
}
