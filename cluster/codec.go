package cluster

import (
	"encoding"
	"fmt"
	"math/big"
	"reflect"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/seed001e6470/taskgraph/graph"
)

// The codec is CBOR (RFC 8949): typed values travel with no registration,
// and decoding into the receiver's own type (the task's result cell) gives
// back exactly the type that was sent. Decoding is bounded, because a
// message may come from anything that reaches the server: at most
// maxValueBytes per value, nesting and lengths capped (a definite length
// beyond the data left is refused before anything is allocated).
const (
	inlineLimit   = 512 << 10 // larger values go to the object store
	maxValueBytes = 1 << 30
)

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.EncOptions{Time: cbor.TimeRFC3339Nano}.EncMode()
	if err != nil {
		panic(err) // constant options: a failure is a programming error
	}
	decMode, err = cbor.DecOptions{
		MaxNestedLevels:  256,
		MaxArrayElements: maxValueBytes,
		MaxMapPairs:      maxValueBytes,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

func marshal(v any) ([]byte, error) { return encMode.Marshal(v) }

func unmarshal(b []byte, v any) error { return decMode.Unmarshal(b, v) }

// TypeError says that a task's argument or result cannot travel between
// processes without losing something: CBOR would drop an unexported field
// or could not tell which concrete type an interface held, and the task
// would silently see a zero value. Prepare reports it before a run starts.
type TypeError struct {
	Task   string       // the task's key
	Type   reflect.Type // the result type that cannot travel
	Path   string       // where inside Type, e.g. ".Pix[]" ("" for Type itself)
	Reason string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("cluster: task %s: type %v cannot travel to a worker: %s%s",
		e.Task, e.Type, e.Reason, pathSuffix(e.Path))
}

func pathSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " (at " + p + ")"
}

var (
	binaryMarshaler   = reflect.TypeFor[encoding.BinaryMarshaler]()
	binaryUnmarshaler = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	cborMarshaler     = reflect.TypeFor[cbor.Marshaler]()
	cborUnmarshaler   = reflect.TypeFor[cbor.Unmarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
	bigIntType        = reflect.TypeFor[big.Int]()
)

// checkType reports why values of t cannot round-trip through the codec,
// or returns "", "" when they can. It walks the type, not a value, so an
// empty slice of a bad element type is caught too.
func checkType(t reflect.Type) (path, reason string) {
	return walkType(t, "", map[reflect.Type]bool{})
}

func walkType(t reflect.Type, path string, seen map[reflect.Type]bool) (string, string) {
	if seen[t] {
		return "", "" // a recursive type: its first visit decides
	}
	seen[t] = true
	if selfCoded(t) {
		return "", ""
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "", ""
	case reflect.Array, reflect.Slice:
		return walkType(t.Elem(), path+"[]", seen)
	case reflect.Pointer:
		return walkType(t.Elem(), path, seen)
	case reflect.Map:
		if p, r := walkType(t.Key(), path+"[key]", seen); r != "" {
			return p, r
		}
		return walkType(t.Elem(), path+"[]", seen)
	case reflect.Struct:
		return walkStruct(t, path, seen)
	case reflect.Interface:
		return path, "an interface type (the receiver could not tell which concrete type it held)"
	default: // Func, Chan, UnsafePointer, Complex, Uintptr
		return path, fmt.Sprintf("a %v cannot be encoded", t.Kind())
	}
}

func walkStruct(t reflect.Type, path string, seen map[reflect.Type]bool) (string, string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, ok := f.Tag.Lookup("cbor"); ok && tag == "-" {
			continue // left out on purpose by the type's author
		}
		if !f.IsExported() && !f.Anonymous {
			return path + "." + f.Name, "an unexported field (it would arrive as its zero value)"
		}
		if p, r := walkType(f.Type, path+"."+f.Name, seen); r != "" {
			return p, r
		}
	}
	return "", ""
}

// selfCoded tells whether t brings its own encoding, in both directions.
func selfCoded(t reflect.Type) bool {
	if t == timeType || t == bigIntType {
		return true
	}
	p := reflect.PointerTo(t)
	return (t.Implements(cborMarshaler) || p.Implements(cborMarshaler)) && p.Implements(cborUnmarshaler) ||
		(t.Implements(binaryMarshaler) || p.Implements(binaryMarshaler)) && p.Implements(binaryUnmarshaler)
}

// reflectTypeOfResult is the type of t's result (Result is a *R).
func reflectTypeOfResult(t graph.Task) reflect.Type { return reflect.TypeOf(t.Result()).Elem() }
