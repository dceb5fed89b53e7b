package codec

import (
	"encoding"
	"fmt"
	"math/big"
	"reflect"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// TypeError says that values of a type cannot travel to another process
// without losing something.
type TypeError struct {
	Type   reflect.Type
	Path   string // where inside Type, e.g. ".Pix[]" ("" for Type itself)
	Reason string
}

func (e *TypeError) Error() string {
	s := fmt.Sprintf("codec: type %v cannot travel to another process: %s", e.Type, e.Reason)
	if e.Path != "" {
		s += " (at " + e.Path + ")"
	}
	return s
}

var (
	binaryMarshaler   = reflect.TypeFor[encoding.BinaryMarshaler]()
	binaryUnmarshaler = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	cborMarshaler     = reflect.TypeFor[cbor.Marshaler]()
	cborUnmarshaler   = reflect.TypeFor[cbor.Unmarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
	bigIntType        = reflect.TypeFor[big.Int]()
)

// Check says why values of t cannot round-trip through the codec, as a
// *TypeError, or returns nil when they can. It walks the type, not a
// value, so an empty slice of a bad element type is caught too. An
// interface type is refused: a cell of one travels with MarshalCell, and
// the types it holds are checked when they are registered.
func Check(t reflect.Type) error {
	if path, reason := walkType(t, "", map[reflect.Type]bool{}); reason != "" {
		return &TypeError{Type: t, Path: path, Reason: reason}
	}
	return nil
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
