package diag

import (
	"context"
	"log/slog"

	"github.com/seed001e6470/taskgraph/sched"
)

// Log returns hooks that log a run with log/slog: its start and end at
// Info (Error when it failed), a failed task at Error, a skipped one at
// Warn, every other task event at Debug. A nil logger means
// slog.Default(). Task events are only formatted when their level is
// enabled, so a logger set to Info costs a task one call of Enabled.
func Log(logger *slog.Logger) sched.Hooks {
	if logger == nil {
		logger = slog.Default()
	}
	l := logHooks{logger}
	return sched.Hooks{RunStart: l.runStart, TaskStart: l.taskStart, TaskDone: l.taskDone, RunDone: l.runDone}
}

type logHooks struct{ l *slog.Logger }

// Hooks get no context; the logger's handler gets the background one.
var bg = context.Background()

func (l logHooks) runStart(info sched.RunInfo) {
	l.l.LogAttrs(bg, slog.LevelInfo, "run start", slog.Int("tasks", info.Tasks), slog.Int("workers", info.Workers))
}

func (l logHooks) taskStart(ev sched.TaskEvent) {
	if !l.l.Enabled(bg, slog.LevelDebug) {
		return
	}
	l.l.LogAttrs(bg, slog.LevelDebug, "task start",
		slog.String("task", ev.Name), slog.Int("id", ev.ID), slog.Int("worker", ev.Worker))
}

func (l logHooks) taskDone(ev sched.TaskEvent) {
	level, msg := slog.LevelDebug, "task done"
	switch ev.State {
	case sched.Failed:
		level, msg = slog.LevelError, "task failed"
	case sched.Skipped:
		level, msg = slog.LevelWarn, "task skipped"
	case sched.NotRun:
		msg = "task not run"
	}
	if !l.l.Enabled(bg, level) {
		return
	}
	attrs := []slog.Attr{slog.String("task", ev.Name), slog.Int("id", ev.ID)}
	if ev.State == sched.Done || ev.State == sched.Failed {
		attrs = append(attrs, slog.Int("worker", ev.Worker), slog.Duration("duration", ev.Duration))
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.Any("error", ev.Err))
	}
	l.l.LogAttrs(bg, level, msg, attrs...)
}

func (l logHooks) runDone(st sched.RunStats) {
	level, msg := slog.LevelInfo, "run done"
	attrs := []slog.Attr{
		slog.Int("tasks", st.Tasks), slog.Int("done", st.Done), slog.Int("failed", st.Failed),
		slog.Int("skipped", st.Skipped), slog.Int("not_run", st.NotRun),
		slog.Duration("elapsed", st.Elapsed), slog.Int("peak_live", st.PeakLive),
	}
	if st.Err != nil {
		level, msg = slog.LevelError, "run failed"
		attrs = append(attrs, slog.Any("error", st.Err))
	}
	l.l.LogAttrs(bg, level, msg, attrs...)
}
