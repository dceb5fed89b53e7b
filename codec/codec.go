package codec

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// MaxValueBytes bounds the lengths a decoded value may declare.
const MaxValueBytes = 1 << 30

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
		MaxArrayElements: MaxValueBytes,
		MaxMapPairs:      MaxValueBytes,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Marshal encodes v as it is, with no type name: the receiver decodes it
// into a value of v's type.
func Marshal(v any) ([]byte, error) { return encMode.Marshal(v) }

// Unmarshal decodes data into the value ptr points to.
func Unmarshal(data []byte, ptr any) error { return decMode.Unmarshal(data, ptr) }

// Any is a value held in an interface, as a field of a type that
// travels: it is encoded in MarshalAny's named form, so a struct of Any
// fields needs no encoding of its own.
type Any struct{ V any }

func (a Any) MarshalCBOR() ([]byte, error) { return MarshalAny(a.V) }

func (a *Any) UnmarshalCBOR(data []byte) (err error) {
	a.V, err = UnmarshalAny(data)
	return err
}

// MarshalCell encodes v, the value of a result cell of static type t: in
// the named form of MarshalAny when t is an interface type, so that the
// receiver can tell what the interface held.
func MarshalCell(t reflect.Type, v any) ([]byte, error) {
	if t.Kind() == reflect.Interface {
		return MarshalAny(v)
	}
	return Marshal(v)
}

// UnmarshalCell decodes data, written by MarshalCell, into the cell ptr
// points to.
func UnmarshalCell(data []byte, ptr any) error {
	pv := reflect.ValueOf(ptr)
	if pv.Kind() != reflect.Pointer || pv.IsNil() {
		return fmt.Errorf("codec: decoding into %T: not a pointer to a value", ptr)
	}
	cell := pv.Elem()
	if cell.Kind() != reflect.Interface {
		return Unmarshal(data, ptr)
	}
	v, err := UnmarshalAny(data)
	if err != nil {
		return err
	}
	if v == nil {
		cell.SetZero()
		return nil
	}
	rv := reflect.ValueOf(v)
	if !rv.Type().AssignableTo(cell.Type()) {
		return fmt.Errorf("codec: a %v arrived for a cell of type %v", rv.Type(), cell.Type())
	}
	cell.Set(rv)
	return nil
}

// named is the wire form of a value held in an interface: its type's
// registered name, then the value.
type named struct {
	_     struct{} `cbor:",toarray"`
	Type  string
	Value cbor.RawMessage
}

// MarshalAny encodes v with the name of its concrete type, which must be
// registered (Register) and able to travel (Check); a nil v is written as
// nil.
func MarshalAny(v any) ([]byte, error) {
	if v == nil {
		return Marshal(nil)
	}
	t := reflect.TypeOf(v)
	e, err := entryOf(t)
	if err != nil {
		return nil, err
	}
	data, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	return Marshal(named{Type: e.name, Value: data})
}

// UnmarshalAny decodes a value written by MarshalAny, as the registered
// type its name says.
func UnmarshalAny(data []byte) (any, error) {
	var n *named
	if err := Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if n == nil {
		return nil, nil
	}
	t, err := typeNamed(n.Type)
	if err != nil {
		return nil, err
	}
	p := reflect.New(t)
	if err := Unmarshal(n.Value, p.Interface()); err != nil {
		return nil, fmt.Errorf("codec: decoding a %s: %w", n.Type, err)
	}
	return p.Elem().Interface(), nil
}

// ErrUnregistered says that a value held in an interface has a type no
// Register call named, here or in the process that sent it.
var ErrUnregistered = errors.New("codec: type not registered")
