package cluster

import "github.com/seed001e6470/taskgraph/graph"

// remoteOpts marks the test jobs' tasks as remote (graph.Remote, once the seam lands).
func remoteOpts() []graph.Option { return nil }
