package codec

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

type plainPoint struct {
	X, Y float64
	Tags []string
	M    map[string][]int
	Next *plainPoint
	At   time.Time
}

type hidden struct {
	X int
	y int
}

type withIface struct{ V any }

type skipped struct {
	X     int
	cache int `cbor:"-"`
}

type embedsHidden struct{ hidden }

func TestCheckType(t *testing.T) {
	for _, c := range []struct {
		v      any
		path   string
		reason string // a word of the reason; "" when the type travels
	}{
		{v: 1}, {v: "s"}, {v: []float64{}}, {v: [4]uint8{}}, {v: map[int]string{}},
		{v: plainPoint{}}, {v: &plainPoint{}}, {v: big.Int{}}, {v: skipped{}},
		{v: hidden{}, path: ".y", reason: "unexported"},
		{v: []hidden{}, path: "[].y", reason: "unexported"},
		{v: embedsHidden{}, path: ".hidden.y", reason: "unexported"},
		{v: withIface{}, path: ".V", reason: "interface"},
		{v: map[string]func(){}, path: "[]", reason: "func"},
		{v: make(chan int), reason: "chan"},
		{v: complex(1, 2), reason: "complex"},
	} {
		typ := reflect.TypeOf(c.v)
		err := Check(typ)
		if c.reason == "" {
			if err != nil {
				t.Errorf("%v: %v, want it to travel", typ, err)
			}
			continue
		}
		var te *TypeError
		if !errors.As(err, &te) || !strings.Contains(te.Reason, c.reason) || te.Path != c.path || te.Type != typ {
			t.Errorf("%v: %v, want %q at %q", typ, err, c.reason, c.path)
		}
	}
}

// Values of the types Check accepts come back equal.
func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 1, 19, 0, 0, 123456789, time.UTC)
	for _, v := range []any{
		plainPoint{X: 1.5, Y: -0.1, Tags: []string{"a"}, M: map[string][]int{"k": {1, 2}}, Next: &plainPoint{X: 2}, At: at},
		[]int64{1, -2, 1 << 62}, 0.1, "π", []byte{0, 1}, map[int]float64{3: 0.5}, [2]int8{-1, 1}, []string(nil),
	} {
		data, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v))
		if err := Unmarshal(data, back.Interface()); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if !reflect.DeepEqual(back.Elem().Interface(), v) {
			t.Errorf("%T: %#v came back as %#v", v, v, back.Elem().Interface())
		}
	}
}

// Hostile input is refused, not allocated: an array claiming 2^31
// elements in a few bytes.
func TestDecodeLimits(t *testing.T) {
	var v []int
	hostile := []byte{0x9b, 0, 0, 0, 0, 0x80, 0, 0, 0} // array of 2^31 elements, none present
	if err := Unmarshal(hostile, &v); err == nil {
		t.Fatal("decoded a truncated 2^31-element array")
	}
}
