package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed001e6470/taskgraph/cluster/internal/natsembed"
)

// The environment of a local worker process: the program re-executed
// with these set becomes a worker when it calls WorkerMain.
const (
	WorkerEnv        = "TASKGRAPH_WORKER_URL" // the server to serve
	concurrencyEnv   = "TASKGRAPH_WORKER_CONCURRENCY"
	prefetchEnv      = "TASKGRAPH_WORKER_PREFETCH"
	ackWaitEnv       = "TASKGRAPH_WORKER_ACKWAIT_MS"
	maxDeliverEnv    = "TASKGRAPH_WORKER_MAXDELIVER"
	localWorkerEnv   = "TASKGRAPH_WORKER_LOCAL" // exit when the server is gone
	localRestartWait = 50 * time.Millisecond
	drainWait        = 5 * time.Second
)

// ErrWorkerProcess: Open or StartLocal was called in a process that was
// started as a local worker. Call WorkerMain first thing in main, so that
// such a process serves instead of starting workers of its own.
var ErrWorkerProcess = errors.New("cluster: this process is a local worker (call cluster.WorkerMain at the start of main)")

// WorkerMain makes this process a worker if it was started as one by
// StartLocal (or Open with an empty URL), and exits when the worker is
// done; otherwise it returns at once. Call it at the start of main (or
// TestMain), after registering the jobs in reg. SIGTERM and SIGINT drain
// the worker.
func WorkerMain(reg *Registry) {
	url := os.Getenv(WorkerEnv)
	if url == "" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := Serve(ctx, url, reg, workerOptionsFromEnv()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func workerOptionsFromEnv() WorkerOptions {
	o := WorkerOptions{exitOnClose: os.Getenv(localWorkerEnv) != ""}
	o.Concurrency, _ = strconv.Atoi(os.Getenv(concurrencyEnv))
	o.Prefetch, _ = strconv.Atoi(os.Getenv(prefetchEnv))
	if ms, err := strconv.Atoi(os.Getenv(ackWaitEnv)); err == nil {
		o.AckWait = time.Duration(ms) * time.Millisecond
	}
	o.MaxDeliver, _ = strconv.Atoi(os.Getenv(maxDeliverEnv))
	return o
}

// LocalOptions configure StartLocal.
type LocalOptions struct {
	Workers  int    // worker processes to keep running (default 2; 0 with NoWorkers)
	Listen   string // host:port of the server (default a random loopback port)
	StoreDir string // where JetStream keeps its data (default a temporary directory)
	// Worker configures each worker (Concurrency, Prefetch, AckWait, MaxDeliver).
	Worker WorkerOptions
	// NoWorkers starts only the server.
	NoWorkers bool

	build string
}

// Local is an embedded server and the worker processes it keeps alive: a
// worker that dies is started again, until Close.
type Local struct {
	srv     *natsembed.Server
	mu      sync.Mutex
	closing bool
	procs   []*exec.Cmd // the running process of each slot (nil between restarts)
	wg      sync.WaitGroup

	closeOnce sync.Once
}

// StartLocal starts an embedded server and o.Workers processes of this
// program as its workers (see WorkerMain). No worker outlives the
// program: Close stops them, and on Linux the kernel kills them when the
// program dies.
func StartLocal(ctx context.Context, o LocalOptions) (*Local, error) {
	if os.Getenv(WorkerEnv) != "" {
		return nil, ErrWorkerProcess
	}
	cfg := natsembed.Config{StoreDir: o.StoreDir}
	if o.Listen != "" {
		host, port, err := splitHostPort(o.Listen)
		if err != nil {
			return nil, err
		}
		cfg.Host, cfg.Port = host, port
	}
	srv, err := natsembed.Start(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	l := &Local{srv: srv}
	if err := l.layout(ctx, o.StoreDir == ""); err != nil {
		srv.Close()
		return nil, err
	}
	n := o.Workers
	if n <= 0 && !o.NoWorkers {
		n = 2
	}
	if o.NoWorkers {
		n = 0
	}
	exe, err := os.Executable()
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("cluster: local workers: %w", err)
	}
	env := l.workerEnv(o)
	l.procs = make([]*exec.Cmd, n)
	for i := range n {
		l.wg.Go(func() { l.keep(i, exe, env) })
	}
	return l, nil
}

func (l *Local) workerEnv(o LocalOptions) []string {
	env := append(os.Environ(), WorkerEnv+"="+l.srv.URL(), localWorkerEnv+"=1")
	if o.build != "" {
		env = append(env, BuildEnv+"="+o.build)
	}
	if c := o.Worker.Concurrency; c > 0 {
		env = append(env, concurrencyEnv+"="+strconv.Itoa(c))
	}
	if p := o.Worker.Prefetch; p != 0 {
		env = append(env, prefetchEnv+"="+strconv.Itoa(p))
	}
	if a := o.Worker.AckWait; a > 0 {
		env = append(env, ackWaitEnv+"="+strconv.FormatInt(a.Milliseconds(), 10))
	}
	if m := o.Worker.MaxDeliver; m > 0 {
		env = append(env, maxDeliverEnv+"="+strconv.Itoa(m))
	}
	return env
}

// layout creates the stream and buckets, in memory when the server has no
// store of its own to keep (its data would be gone with the process).
func (l *Local) layout(ctx context.Context, memory bool) error {
	nc, err := nats.Connect(l.srv.URL())
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	st := defaultStorage
	st.memory = memory
	_, _, _, err = setupLayout(ctx, js, st)
	return err
}

// URL is the embedded server's address.
func (l *Local) URL() string { return l.srv.URL() }

// keep runs slot i's worker process, starting it again whenever it dies,
// until Close.
func (l *Local) keep(i int, exe string, env []string) {
	for {
		cmd := exec.Command(exe)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stderr, os.Stderr
		cmd.SysProcAttr = childAttr()
		l.mu.Lock()
		if l.closing {
			l.mu.Unlock()
			return
		}
		err := cmd.Start()
		if err == nil {
			l.procs[i] = cmd
		}
		l.mu.Unlock()
		if err != nil {
			slog.Error("cluster: starting a local worker", "err", err)
		} else {
			cmd.Wait()
		}
		l.mu.Lock()
		l.procs[i] = nil
		closing := l.closing
		l.mu.Unlock()
		if closing {
			return
		}
		time.Sleep(localRestartWait)
	}
}

// Close stops the workers (SIGTERM, so they drain; SIGKILL after a few
// seconds) and then the server. Closing again does nothing.
func (l *Local) Close() error {
	l.closeOnce.Do(l.close)
	return nil
}

func (l *Local) close() {
	l.mu.Lock()
	l.closing = true
	for _, p := range l.procs {
		if p != nil {
			p.Process.Signal(syscall.SIGTERM)
		}
	}
	procs := append([]*exec.Cmd(nil), l.procs...)
	l.mu.Unlock()
	stopped := make(chan struct{})
	go func() { l.wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(drainWait):
		for _, p := range procs {
			if p != nil {
				p.Process.Kill()
			}
		}
		<-stopped
	}
	l.srv.Close()
}

func splitHostPort(hp string) (string, int, error) {
	host, ps, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("cluster: listen address %q: %w", hp, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("cluster: listen address %q: bad port", hp)
	}
	return host, port, nil
}
