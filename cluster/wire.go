package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/nats-io/nats.go/jetstream"
)

// The layout on the server. One work-queue stream holds the tasks that are
// ready; a worker program's build has its own subject tree in it, so a
// worker of another build never receives this program's tasks, and each
// build has one durable pull consumer, shared by all its workers (a
// work-queue stream allows one consumer per disjoint subject filter).
// Results live in a key-value bucket whose first stored entry per key wins:
// storing the result is the commit point, and the ack only removes the
// task message. Values over inlineLimit go to an object store, and the
// task or result carries the object's name.
const (
	taskStream    = "TG_TASKS"
	taskSubjects  = "tg.task.>"
	resultBucket  = "tg_results"
	valueBucket   = "tg_values"
	cancelSubject = "tg.cancel." // + build: running tasks to stop (core NATS)
	pingSubject   = "tg.ping."   // + build: workers of a build answer
	doneSubject   = "tg.done."   // + coordinator: results sent directly (core NATS)
	// A result is stored by publishing to its key's subject in the
	// bucket's stream (what KeyValue.Create does, without waiting).
	resultSubjectPrefix = "$KV." + resultBucket + "."
	// The advisory the server publishes when a task message reached
	// MaxDeliver without an ack: its worker died every time.
	maxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + taskStream + ".*"
)

// taskSubject is where the tasks of one run of a coordinator are queued.
func taskSubject(build, run string) string { return "tg.task." + build + "." + run }

// consumerName is the durable consumer of a build's workers.
func consumerName(build string) string { return "workers_" + build }

// Timing of delivery. A worker heartbeats (InProgress) every ackWait/4
// while a task runs, so ackWait bounds how long a dead worker's task waits
// before it is delivered again; maxDeliver bounds how often a task that
// kills its worker is started (see worker.restart). Pulls expire and heartbeat quickly: with the
// client's defaults a pull that the server lost stalls for tens of
// seconds.
type timing struct {
	ackWait    time.Duration
	maxDeliver int
	expiry     time.Duration
	heartbeat  time.Duration
}

var defaultTiming = timing{ackWait: 5 * time.Second, maxDeliver: 4, expiry: 5 * time.Second, heartbeat: time.Second}

// storage is how the layout is kept: memory for an embedded server (the
// store is gone with the process anyway), file with replicas for a real
// cluster.
type storage struct {
	memory   bool
	replicas int
	maxAge   time.Duration // how long unread tasks and results are kept
}

// defaultStorage is the layout's storage unless StartLocal made it: on
// disk, kept a day (a coordinator removes its results when it closes; the
// limit is for those that crashed).
var defaultStorage = storage{maxAge: 24 * time.Hour}

// setupLayout finds the stream and buckets, or creates them as st says.
// Coordinators and workers all call it, so any of them may come first;
// whoever creates the layout decides how it is stored, and the others
// take it as it is.
func setupLayout(ctx context.Context, js jetstream.JetStream, st storage) (jetstream.Stream, jetstream.KeyValue, jetstream.ObjectStore, error) {
	kind := jetstream.FileStorage
	if st.memory {
		kind = jetstream.MemoryStorage
	}
	replicas := max(st.replicas, 1)
	stream, err := findOrCreate(ctx, js.Stream, js.CreateStream, jetstream.StreamConfig{
		Name:      taskStream,
		Subjects:  []string{taskSubjects},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   kind,
		Replicas:  replicas,
		MaxAge:    st.maxAge,
		// Publishes carry the result key as their message ID: a publish
		// retried after a lost ack is not queued twice.
		Duplicates: 2 * time.Minute,
	}, taskStream)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster: task stream: %w", err)
	}
	kv, err := findOrCreate(ctx, js.KeyValue, js.CreateKeyValue, jetstream.KeyValueConfig{
		Bucket: resultBucket, History: 1, TTL: st.maxAge, Storage: kind, Replicas: replicas,
	}, resultBucket)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster: result bucket: %w", err)
	}
	obj, err := findOrCreate(ctx, js.ObjectStore, js.CreateObjectStore, jetstream.ObjectStoreConfig{
		Bucket: valueBucket, TTL: st.maxAge, Storage: kind, Replicas: replicas,
	}, valueBucket)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster: value bucket: %w", err)
	}
	return stream, kv, obj, nil
}

// findOrCreate looks a stream or bucket up by name and creates it if it
// is not there; if another process creates it meanwhile, it is looked up
// again.
func findOrCreate[T, C any](ctx context.Context, find func(context.Context, string) (T, error),
	create func(context.Context, C) (T, error), cfg C, name string) (T, error) {
	if v, err := find(ctx, name); err == nil {
		return v, nil
	}
	v, err := create(ctx, cfg)
	if err == nil {
		return v, nil
	}
	if again, err2 := find(ctx, name); err2 == nil {
		return again, nil
	}
	return v, err
}

// setupConsumer creates (or finds) the durable consumer of build's workers.
func setupConsumer(ctx context.Context, s jetstream.Stream, build string, t timing) (jetstream.Consumer, error) {
	c, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       consumerName(build),
		FilterSubject: "tg.task." + build + ".>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       t.ackWait,
		MaxDeliver:    t.maxDeliver * deliveriesPerStart,
		MaxAckPending: 1 << 16,
		Metadata:      map[string]string{maxStartsKey: strconv.Itoa(t.maxDeliver)},
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: consumer of build %s: %w", build, err)
	}
	return c, nil
}

// The workers give a task up once it started maxDeliver times (see
// worker.restart); the server gives a message up once it was delivered
// deliveriesPerStart times as often, which only a message that its
// workers keep dying with, or losing, before they start it reaches (see
// Cluster.poisoned). The consumer's metadata keeps the former.
const (
	deliveriesPerStart = 3
	maxStartsKey       = "taskgraph-max-starts"
)

// maxStartsOf is the start limit of the consumer that info describes: as
// its metadata says, or else (a consumer made otherwise) its MaxDeliver.
func maxStartsOf(info *jetstream.ConsumerInfo, t timing) int {
	if info == nil {
		return t.maxDeliver
	}
	if n, err := strconv.Atoi(info.Config.Metadata[maxStartsKey]); err == nil && n > 0 {
		return n
	}
	if info.Config.MaxDeliver > 0 {
		return info.Config.MaxDeliver
	}
	return t.maxDeliver
}

// startsPrefix keys, in the result bucket, the start count of a task
// delivered more than once (see worker.countStart).
const startsPrefix = "starts."

// batchMsg is one message on the queue: one or more tasks of one run of
// a job, with what a worker needs to rebuild the graph (job, params,
// print). Tasks ready at once travel together (see Options.Batch); each
// is encoded on its own (a taskMsg), so the coordinator encodes them as
// they are submitted and only joins them.
type batchMsg struct {
	_      struct{} `cbor:",toarray"`
	Job    string
	Params []byte
	Print  []byte
	Tasks  []cbor.RawMessage // each a taskMsg
	// Prior is how many times the tasks were delivered before, inside a
	// batch that a worker then split into single tasks (see
	// worker.split); 0 for a message from a coordinator.
	Prior int
}

// taskMsg is one task of a batch: the node to run and its arguments'
// values. Constant arguments (graph.Value leaves) do not travel: the
// rebuilt graph has them.
type taskMsg struct {
	_    struct{} `cbor:",toarray"`
	Key  string   // result key: coordinator.run.node.attempt
	ID   int
	Args []argMsg
}

// argMsg is one argument's encoded value, inline or in the object store.
type argMsg struct {
	_    struct{} `cbor:",toarray"`
	ID   int32
	Data []byte
	Obj  string // object name when the value is too large to inline
}

// doneMsg carries results straight to their coordinator (core NATS):
// Results[i] is the stored result (a resultMsg) of task Keys[i]. Results
// finished together travel together.
type doneMsg struct {
	_       struct{} `cbor:",toarray"`
	Keys    []string
	Results []cbor.RawMessage
}

// resultMsg is what a worker stores under a task's key.
type resultMsg struct {
	_      struct{} `cbor:",toarray"`
	Worker string
	Data   []byte
	Obj    string
	Err    string // the task's error text; "" on success
	Panic  bool   // Err is a panic's value; Stack is its stack
	Stack  []byte
	// Poison, when not 0, says that the task was given up after that
	// many deliveries (it killed its workers): Err is empty.
	Poison int
}

// coordinatorOf is the coordinator ID that begins a result key.
func coordinatorOf(key string) string {
	c, _, _ := strings.Cut(key, ".")
	return c
}

// isWrongLastSeq tells whether err says that a subject already has a
// message (a result key already has its result).
func isWrongLastSeq(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && (api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || api.ErrorCode == 10164)
}
