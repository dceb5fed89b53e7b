package codec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

type word struct {
	Text  string
	Count int
}

type box[T any] struct{ V T }

// roundTrip sends v through an interface cell and returns what came back.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	data, err := MarshalCell(reflect.TypeFor[any](), v)
	if err != nil {
		t.Fatalf("%T: %v", v, err)
	}
	var back any
	if err := UnmarshalCell(data, &back); err != nil {
		t.Fatalf("%T: %v", v, err)
	}
	return back
}

// A registered type held in an interface comes back as itself, not as
// CBOR's generic maps and slices.
func TestAnyRoundTrip(t *testing.T) {
	Register[[]word]()
	Register[*box[map[string]int]]()
	Register[box[[]float64]]()
	Register[int]()
	for _, v := range []any{
		[]word{{"a", 2}, {"b", 1}}, []word{}, &box[map[string]int]{V: map[string]int{"x": 1}},
		box[[]float64]{V: []float64{0.5}}, 7, nil,
	} {
		if back := roundTrip(t, v); !reflect.DeepEqual(back, v) {
			t.Errorf("%#v came back as %#v", v, back)
		}
	}
}

// Any mix of registered values survives the trip, whatever the values.
func TestAnyRoundTripProperty(t *testing.T) {
	Register[[]int64]()
	Register[map[string][]string]()
	Register[box[string]]()
	rapid.Check(t, func(rt *rapid.T) {
		var v any
		switch rapid.IntRange(0, 2).Draw(rt, "kind") {
		case 0:
			v = rapid.SliceOf(rapid.Int64()).Draw(rt, "ints")
		case 1:
			v = rapid.MapOf(rapid.String(), rapid.SliceOf(rapid.String())).Draw(rt, "map")
		default:
			v = box[string]{V: rapid.String().Draw(rt, "s")}
		}
		data, err := MarshalAny(v)
		if err != nil {
			rt.Fatal(err)
		}
		back, err := UnmarshalAny(data)
		if err != nil {
			rt.Fatal(err)
		}
		if !reflect.DeepEqual(back, v) {
			rt.Fatalf("%#v came back as %#v", v, back)
		}
	})
}

// A type nobody registered is refused when sent, and a name this process
// does not know is refused when it arrives: never a silent generic value.
func TestAnyUnregistered(t *testing.T) {
	type unlisted struct{ X int }
	if _, err := MarshalAny(unlisted{1}); !errors.Is(err, ErrUnregistered) || !strings.Contains(err.Error(), "unlisted") {
		t.Errorf("sending an unregistered type: %v, want ErrUnregistered naming it", err)
	}
	data, err := Marshal(named{Type: "elsewhere.Thing", Value: []byte{0x01}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnmarshalAny(data); !errors.Is(err, ErrUnregistered) || !strings.Contains(err.Error(), "elsewhere.Thing") {
		t.Errorf("receiving an unknown name: %v, want ErrUnregistered naming it", err)
	}
}

// A registered type that cannot travel is refused when sent, with the
// reason.
func TestAnyCannotTravel(t *testing.T) {
	type secret struct{ x int }
	Register[secret]()
	_, err := MarshalAny(secret{1})
	var te *TypeError
	if !errors.As(err, &te) || te.Path != ".x" {
		t.Errorf("sending a type with an unexported field: %v, want a TypeError at .x", err)
	}
}

// Two types of one name cannot be told apart on the wire: values of
// either are refused on both sides.
func TestAnyTwins(t *testing.T) {
	first := func() any { type twin struct{ A int }; Register[twin](); return twin{1} }()
	second := func() any { type twin struct{ B string }; Register[twin](); return twin{"b"} }()
	if reflect.TypeOf(first).String() != reflect.TypeOf(second).String() {
		t.Skip("the two local types print differently here")
	}
	for _, v := range []any{first, second} {
		if _, err := MarshalAny(v); err == nil || !strings.Contains(err.Error(), "same name") {
			t.Errorf("sending %T: %v, want an error about the shared name", v, err)
		}
	}
	data, _ := Marshal(named{Type: reflect.TypeOf(first).String(), Value: []byte{0xa0}})
	if _, err := UnmarshalAny(data); err == nil {
		t.Error("decoded a value of an ambiguous name")
	}
}

// A cell of a narrower interface refuses a value that does not satisfy it.
func TestCellOfOtherInterface(t *testing.T) {
	Register[word]()
	data, err := MarshalAny(word{"x", 1})
	if err != nil {
		t.Fatal(err)
	}
	var s fmt.Stringer
	if err := UnmarshalCell(data, &s); err == nil || !strings.Contains(err.Error(), "Stringer") {
		t.Errorf("decoding a word into a fmt.Stringer: %v, want an error naming the cell's type", err)
	}
	if err := UnmarshalCell(data, nil); err == nil {
		t.Error("decoded into nil")
	}
}

// A typed cell's value travels with no name and needs no registration.
func TestTypedCell(t *testing.T) {
	type local struct{ N []int }
	data, err := MarshalCell(reflect.TypeFor[local](), local{[]int{1}})
	if err != nil {
		t.Fatal(err)
	}
	var back local
	if err := UnmarshalCell(data, &back); err != nil || !reflect.DeepEqual(back, local{[]int{1}}) {
		t.Fatalf("got %#v, %v", back, err)
	}
}

// pairOfAny travels as it is: its interface-held fields are codec.Any.
type pairOfAny struct{ A, B Any }

// A struct of Any fields needs no encoding of its own: each field comes
// back as the type it held, nil included.
func TestAnyField(t *testing.T) {
	Register[pairOfAny]()
	Register[[]word]()
	Register[int]()
	if err := Check(reflect.TypeFor[pairOfAny]()); err != nil {
		t.Fatal(err)
	}
	for _, v := range []pairOfAny{{Any{[]word{{"a", 1}}}, Any{7}}, {}} {
		if back := roundTrip(t, v); !reflect.DeepEqual(back, v) {
			t.Errorf("%#v came back as %#v", v, back)
		}
	}
}
