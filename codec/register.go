package codec

import (
	"fmt"
	"reflect"
	"sync"
)

// The registry of types that interface cells may hold, both ways: a
// type's entry (its name, whether it can travel) and the type of a name.
var (
	byType sync.Map // reflect.Type → *entry
	byName sync.Map // string → *entry
	regMu  sync.Mutex
)

type entry struct {
	name string
	t    reflect.Type
	err  error // why values of t cannot travel, or nil
	// twin is set when another type has the same name: neither can then
	// be told apart on the wire.
	twin reflect.Type
}

// Register records T as a type that values held in an interface may have,
// under its name (reflect's String: "[]main.Word", "bag.taken[int]").
// Registering a type again does nothing. It is safe to call at any time
// from any goroutine, and cheap once T is known, so code that makes such
// values may call it each time it lays out a task that makes one.
//
// T must travel (Check); if it cannot, its values are refused when they
// are sent, with the reason. Two types with the same name (two packages
// of one name declaring the same type name) cannot be told apart: values
// of either are then refused, naming both.
func Register[T any]() {
	t := reflect.TypeFor[T]()
	if _, ok := byType.Load(t); ok {
		return
	}
	register(t)
}

// register adds t. Lookups do not lock; additions take regMu, so that a
// Register that returns has its type in both maps.
func register(t reflect.Type) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, ok := byType.Load(t); ok {
		return
	}
	e := &entry{name: t.String(), t: t, err: Check(t)}
	if prev, ok := byName.Load(e.name); ok {
		p := prev.(*entry)
		e.twin = p.t
		p = &entry{name: p.name, t: p.t, err: p.err, twin: t}
		byType.Store(p.t, p)
	}
	byName.Store(e.name, e)
	byType.Store(t, e)
}

// entryOf is t's entry, or why a value of t cannot be sent.
func entryOf(t reflect.Type) (*entry, error) {
	v, ok := byType.Load(t)
	if !ok {
		return nil, fmt.Errorf("%w: a %v held in an interface cannot be sent: register it with codec.Register", ErrUnregistered, t)
	}
	e := v.(*entry)
	if e.twin != nil {
		return nil, fmt.Errorf("codec: types %v and %v have the same name, so a value held in an interface cannot say which it is", t, e.twin)
	}
	return e, e.err
}

// typeNamed is the registered type of name.
func typeNamed(name string) (reflect.Type, error) {
	v, ok := byName.Load(name)
	if !ok {
		return nil, fmt.Errorf("%w: a %s arrived, a type this process never registered (is the sender a build of the same program?)", ErrUnregistered, name)
	}
	e := v.(*entry)
	if e.twin != nil {
		return nil, fmt.Errorf("codec: a %s arrived, but types %v and %v have that name", name, e.t, e.twin)
	}
	return e.t, nil
}
