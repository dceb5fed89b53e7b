// Package cluster runs the remote tasks of a graph on worker processes,
// on one machine or many, over NATS JetStream.
//
// # The model: the same program everywhere
//
// Go cannot ship a closure, so the coordinator and its workers run the
// same program. A graph that is to run on a cluster is made by a job: a
// builder registered under a name in a [Registry], taking plain
// parameters. A task travels as (job, parameters, node ID) plus the
// values of its arguments; the worker rebuilds the job's graph (once per
// task slot, then reuses it), checks that its structure matches the
// coordinator's (a fingerprint of every node's name, kind and arguments),
// loads the arguments into their cells, runs the node and stores its
// result. Builders must therefore be deterministic. A bag's partition
// task is an ordinary task, so a bag ships partitions and its fused
// stages run on the worker; single elements never travel.
//
// The coordinator side is a [Job], an executor for package sched: tasks
// built with graph.Remote go to the cluster, every other task runs in
// the coordinator's own pool, and hooks, KeepGoing, retries and timeouts
// work for both (sched drives them; the executor runs one attempt).
//
//	var jobs cluster.Registry
//	cluster.Register(&jobs, "pi", buildPi) // in both roles
//
//	func main() {
//		cluster.WorkerMain(&jobs) // a local worker process serves here
//		c, _ := cluster.Open(ctx, "", cluster.Options{Workers: 2})
//		defer c.Close()
//		job, _ := c.Job("pi", params)
//		g, estimate := piGraph(params)
//		v, err := sched.Compute(ctx, estimate, sched.WithExecutor(job))
//	}
//
// # Delivery
//
// Ready tasks are messages in a work-queue stream; each program build has
// its own subjects and one durable pull consumer, so a worker of another
// build never receives them (and with none connected, Prepare fails with
// [ErrNoWorkers] after Options.WaitWorkers). A task submitted while no
// other is pending is sent at once; tasks submitted while others are
// pending travel several to a message (Options.Batch), since a message
// costs far more than a small task. A worker holds a message for each
// of its slots and, for tasks that take well under a millisecond, a few
// more (WorkerOptions.Prefetch). Delivery is at least once: a worker
// heartbeats every message it holds from its delivery on, and one whose
// worker died is delivered again after AckWait. Storing the result in a key-value bucket
// is the commit point (the first stored result wins; a redelivered task
// whose result exists is not run again), the ack only removes the
// message. A batch's results are stored together; a batch delivered again
// is split into single tasks, so that a task that kills its worker takes
// only itself down. Results also reach the coordinator as plain messages,
// sent beside the store (a batch's once stored); after a lost connection,
// or when tasks are pending and nothing has arrived for a while (a worker
// may have died between storing results and sending them), it reads them
// from the bucket. A task message the server does not acknowledge within
// Options.PublishTimeout fails its tasks. Tasks must be deterministic and
// idempotent, and side effects belong to the coordinator. A task that never finishes (it kills its worker every
// time) is given up with a [PoisonError] after it started MaxDeliver
// times: starts count, not deliveries, so the messages that waited in a
// dying worker are not given up with it, and a task delivered again runs
// alone on its worker.
// Values over 512 KiB travel through an object store.
//
// A coordinator given Options.Name can be restarted: opened again under
// the same name after it died, it takes the stored results of a run of
// the same job, parameters and graph instead of running those tasks
// again.
//
// # Wire format
//
// Values are CBOR (package codec), decoded into the receiving cell's own
// type: no registration. Types that cannot round-trip (unexported fields,
// functions, channels, complex numbers) are refused before a run starts
// with a [TypeError] naming the task and the field. A cell of an
// interface type (a Delayed[any]) travels with its value's concrete type
// named, which both processes must have registered (codec.Register; a
// bag does it for its own values); a value of another type fails its
// task when it is sent.
//
// # Servers
//
// Open with an empty URL starts an embedded nats-server (loopback, random
// port, in-memory store) and worker processes of the running program
// ([StartLocal]); the program must call [WorkerMain] first thing in main.
// Production points Open and [Serve] at an external NATS cluster with
// JetStream enabled.
package cluster
