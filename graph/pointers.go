package graph

import (
	"reflect"
	"sync"
)

// pointerFree reports whether values of type T hold no pointers. Clearing
// such a result frees nothing (it lives inside its task), so a scheduler
// can skip the call; see [Graph.HoldsPointers].
//
// The common scalar types are answered by a type switch, which costs a
// few nanoseconds per node built. Other types are walked once per process
// and remembered; g remembers the last one too, which spares the shared
// map's lookup (20-odd ns) for the nodes of a loop that builds one type.
func pointerFree[T any](g *Graph) bool {
	var zero T
	switch any(zero).(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr,
		float32, float64, complex64, complex128, bool:
		return true
	case string, []byte, []int, []float64, []string, error, nil:
		return false
	}
	if t := reflect.TypeFor[T](); t != g.lastType {
		g.lastType, g.lastFree = t, !typeHoldsPointers(t)
	}
	return g.lastFree
}

var holdsPointers sync.Map // reflect.Type -> bool

func typeHoldsPointers(t reflect.Type) bool {
	if v, ok := holdsPointers.Load(t); ok {
		return v.(bool)
	}
	v := walkPointers(t)
	holdsPointers.Store(t, v)
	return v
}

func walkPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && walkPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if walkPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	// Pointers, slices, maps, channels, functions, interfaces, strings.
	return true
}
