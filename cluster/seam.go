package cluster

import (
	"fmt"

	"github.com/seed001e6470/taskgraph/graph"
)

// remoteTask is what moving a task between processes needs of a node: run
// it, read its result boxed (to encode it), and a pointer to its result
// cell (to decode into it, with the cell's own type).
type remoteTask interface {
	graph.Task
	Result() any
}

// taskOf returns node id of g as a remoteTask.
func taskOf(g *graph.Graph, id int) (remoteTask, error) {
	t, ok := g.TaskOf(id).(remoteTask)
	if !ok {
		return nil, fmt.Errorf("cluster: node %s cannot be moved (its task has no result cell)", g.Key(id))
	}
	return t, nil
}
