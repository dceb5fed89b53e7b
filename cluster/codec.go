package cluster

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Values travel in package codec's CBOR: typed cells with no
// registration, interface cells with their concrete type's registered
// name. Values larger than inlineLimit go to the object store.
const inlineLimit = 512 << 10

func marshal(v any) ([]byte, error) { return codec.Marshal(v) }

func unmarshal(b []byte, v any) error { return codec.Unmarshal(b, v) }

// TypeError says that a task's argument or result cannot travel between
// processes without losing something: CBOR would drop an unexported field
// or could not tell which concrete type an interface held, and the task
// would silently see a zero value. Prepare reports it before a run starts
// for a typed cell; for an interface cell, whose concrete type is known
// only once it holds a value, the task fails with it when it is sent.
// The codec's error says which type, where inside it, and why.
type TypeError struct {
	Task string // the task's key
	codec.TypeError
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("cluster: task %s: %v", e.Task, &e.TypeError)
}

func (e *TypeError) Unwrap() error { return &e.TypeError }

// typeErr is why values of t cannot travel for task, or nil. An interface
// cell travels in the codec's named form, its values checked when sent.
func typeErr(task string, t reflect.Type) error {
	if t.Kind() == reflect.Interface {
		return nil
	}
	return asTypeError(task, codec.Check(t))
}

// asTypeError names task in a codec.TypeError; other errors pass.
func asTypeError(task string, err error) error {
	var te *codec.TypeError
	if errors.As(err, &te) {
		return &TypeError{Task: task, TypeError: *te}
	}
	return err
}

// reflectTypeOfResult is the type of t's result (Result is a *R).
func reflectTypeOfResult(t graph.Task) reflect.Type { return reflect.TypeOf(t.Result()).Elem() }
