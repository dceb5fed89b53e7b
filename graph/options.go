package graph

import "time"

// Options tune how one task is run. Most tasks have none; the graph stores
// them only for tasks that were given some.
type Options struct {
	// Priority ranks the task among ready tasks: a higher value runs
	// earlier than the static order alone would run it.
	Priority int
	// Retries is how many more times a failing task is tried.
	Retries int
	// Timeout bounds each attempt; the task's ctx expires after it.
	Timeout time.Duration
	// Resources the task holds while it runs; the scheduler admits at most
	// its configured limit of each at once.
	Resources []Resource
	// Remote lets the task run in another process: an executor attached
	// to the run (sched.WithExecutor) is handed it; without one it runs
	// in the run's own pool like any other task.
	Remote bool

	pure bool
	key  string
	salt string // tells apart the Pure tasks of one CallN (their index)
}

// Resource is an amount of a named, limited resource ("disk", "gpu").
type Resource struct {
	Name   string
	Amount int64
}

// Option sets one of a task's Options.
type Option func(*Options)

// Priority ranks a task above (p > 0) or below (p < 0) the static order.
func Priority(p int) Option { return func(o *Options) { o.Priority = p } }

// Retries lets a failing task be tried n more times before its error counts.
func Retries(n int) Option { return func(o *Options) { o.Retries = max(n, 0) } }

// Timeout bounds each attempt of a task: its context expires after d. Only
// a function that takes a context can honour it, so it is a building
// error ([ErrOption]) on a plain one.
func Timeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// Uses declares that a task holds amount of the named resource while it
// runs.
func Uses(name string, amount int64) Option {
	return func(o *Options) { o.Resources = append(o.Resources, Resource{name, amount}) }
}

// Remote lets a task run in another process (see Options.Remote). Its
// arguments and result then travel as messages, so they should be plain
// data: the executor says, before the run starts, which types cannot.
func Remote() Option { return func(o *Options) { o.Remote = true } }

// Pure marks a task as a pure function of its arguments (Dask's pure=True):
// it gets a content key made from its name, its function's symbol and its
// arguments' keys (for a Value, its printed value), and building an
// identical node again returns the existing one, so it runs once.
// Identical means the very same function value: a top-level function, or
// one closure value used for several calls. Closures made in a loop are
// different values (they may capture different variables), so their
// calls never collapse, and neither do method values, which are made
// afresh each time they are named.
func Pure() Option { return func(o *Options) { o.pure = true } }

func resolve(opts []Option) *Options {
	if len(opts) == 0 {
		return nil
	}
	o := new(Options)
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return o
}
