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
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"int", pointerFree[int](), true},
		{"complex128", pointerFree[complex128](), true},
		{"named float", pointerFree[celsius](), true},
		{"struct of numbers", pointerFree[point](), true},
		{"array of structs", pointerFree[[8]point](), true},
		{"empty array of pointers", pointerFree[[0]*int](), true},
		{"string", pointerFree[string](), false},
		{"slice", pointerFree[[]int](), false},
		{"pointer", pointerFree[*int](), false},
		{"map", pointerFree[map[string]int](), false},
		{"error", pointerFree[error](), false},
		{"any", pointerFree[any](), false},
		{"func", pointerFree[func()](), false},
		{"struct with a string", pointerFree[labelled](), false},
		{"array of strings", pointerFree[[2]string](), false},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: pointer-free %v, want %v", c.name, c.got, c.want)
		}
	}
	var g Graph
	n := Value(&g, "n", 1)
	s := Call(&g, "s", func(int) string { return "x" }, n)
	if g.HoldsPointers(n.ID()) || !g.HoldsPointers(s.ID()) {
		t.Errorf("HoldsPointers: int %v, string %v", g.HoldsPointers(n.ID()), g.HoldsPointers(s.ID()))
	}
}
