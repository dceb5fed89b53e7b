package codec_test

import (
	"fmt"
	"reflect"

	"github.com/seed001e6470/taskgraph/codec"
)

type Word struct {
	Text  string
	Count int
}

// A value held in an interface travels with its type's name; both
// processes register the type (here, one process plays both).
func ExampleMarshalAny() {
	codec.Register[[]Word]()
	data, err := codec.MarshalAny([]Word{{"gopher", 3}})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := codec.UnmarshalAny(data)
	fmt.Printf("%T %v %v\n", v, v, err)
	// Output: []codec_test.Word [{gopher 3}] <nil>
}

// Check finds what would be lost before anything is sent.
func ExampleCheck() {
	type Point struct {
		X, Y float64
		seen bool
	}
	fmt.Println(codec.Check(reflect.TypeFor[Point]()))
	// Output: codec: type codec_test.Point cannot travel to another process: an unexported field (it would arrive as its zero value) (at .seen)
}
