package diag

import (
	"path/filepath"
	"strings"
)

// FormatOf returns the picture format a path's extension names ("png"
// for run.png), as package sched/diag/gantt's Write takes it.
func FormatOf(path string) string {
	return strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
}

// Stage is the group a task's time is shown under in summaries and
// charts: its name, or for a spawned task the last part of its path
// ("sort/sort/merge" is a "merge"), so that a recursion does not make one
// stage per depth.
func (r Record) Stage() string { return stage(r) }
