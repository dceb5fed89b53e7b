package cluster

import "github.com/seed001e6470/taskgraph/graph"

// remoteOpts marks the test jobs' tasks as remote.
func remoteOpts() []graph.Option { return []graph.Option{graph.Remote()} }
