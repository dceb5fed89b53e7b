package graph

import "testing"

type celsius float64

type point struct {
	X, Y float64
	Tag  [4]int8
}

type labelled struct {
	point
	Name string
}

func TestPointerFree(t *testing.T) {
	var g Graph
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"int", pointerFree[int](&g), true},
		{"complex128", pointerFree[complex128](&g), true},
		{"named float", pointerFree[celsius](&g), true},
		{"struct of numbers", pointerFree[point](&g), true},
		{"array of structs", pointerFree[[8]point](&g), true},
		{"empty array of pointers", pointerFree[[0]*int](&g), true},
		{"string", pointerFree[string](&g), false},
		{"slice", pointerFree[[]int](&g), false},
		{"pointer", pointerFree[*int](&g), false},
		{"map", pointerFree[map[string]int](&g), false},
		{"error", pointerFree[error](&g), false},
		{"any", pointerFree[any](&g), false},
		{"func", pointerFree[func()](&g), false},
		{"struct with a string", pointerFree[labelled](&g), false},
		{"array of strings", pointerFree[[2]string](&g), false},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: pointer-free %v, want %v", c.name, c.got, c.want)
		}
	}
	n := Value(&g, "n", 1)
	s := Call(&g, "s", func(int) string { return "x" }, n)
	if ExecutableOf(&g).HoldsPointers(n.ID()) || !ExecutableOf(&g).HoldsPointers(s.ID()) {
		t.Errorf("HoldsPointers: int %v, string %v", ExecutableOf(&g).HoldsPointers(n.ID()), ExecutableOf(&g).HoldsPointers(s.ID()))
	}
}
