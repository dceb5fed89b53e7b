package graph

import (
	"runtime"
	"strings"
	"unsafe"
)

// nameOr returns name, or, when it is empty, the name of fn's function
// (see the package doc). Graphs are built in loops, so the last function
// named is kept: a run of unnamed tasks of one function costs one look-up.
func (g *Graph) nameOr(name string, fn any) string {
	if name != "" {
		return name
	}
	// fn is a func value (every caller's parameter is of a func type):
	// a pointer to its closure, whose first word is the code's address.
	closure := (*[2]unsafe.Pointer)(unsafe.Pointer(&fn))[1]
	if closure == nil {
		return "" // nil: the builder reports it
	}
	pc := *(*uintptr)(closure)
	if pc != g.lastPC || g.lastFunc == "" {
		g.lastPC, g.lastFunc = pc, funcName(pc)
	}
	return g.lastFunc
}

// funcName shortens the runtime's name of the function at pc to what a
// reader calls it: "tile" for "example.com/fractal.tile", "run.func1" for
// a literal inside run, "T.Method" for a method value, and without the
// type arguments of a generic function.
func funcName(pc uintptr) string {
	f := runtime.FuncForPC(pc)
	if f == nil {
		return "func"
	}
	s := f.Name()
	if k := strings.LastIndexByte(s, '/'); k >= 0 {
		s = s[k+1:]
	}
	if k := strings.IndexByte(s, '.'); k >= 0 {
		s = s[k+1:] // the package
	}
	s = strings.TrimSuffix(s, "-fm") // a method value's wrapper
	s = strings.ReplaceAll(s, "[...]", "")
	s = strings.NewReplacer("(*", "", ")", "").Replace(s)
	if s == "" {
		return "func"
	}
	return s
}
