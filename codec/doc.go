// Package codec encodes task values for another process of the same
// program: the arguments and results that travel between a coordinator
// and its workers (package cluster).
//
// Values are CBOR (RFC 8949), decoded into the receiver's own type, so a
// typed result cell gets back exactly the type that was sent and no type
// needs registering. Decoding is bounded, because a message may come from
// anything that reaches the server: nesting and lengths are capped, and a
// definite length beyond the data left is refused before anything is
// allocated.
//
// Types that cannot round-trip are found before anything is sent
// ([Check]): an unexported field would arrive as its zero value, and a
// function, channel or complex number cannot be encoded at all.
//
// # Values held in an interface
//
// A result held in an interface (a graph.Delayed[any], say) does not tell
// the receiver its concrete type: plain CBOR would come back as generic
// maps and slices. [Register] records a concrete type under its name, as
// encoding/gob's Register does; [MarshalAny] then writes the name beside
// the value, and [UnmarshalAny] finds the type by it. The processes run
// the same program, so code that makes such values and registers their
// types while it builds its graph (as package bag does) has registered
// them in every process by the time a value arrives. [MarshalCell] and
// [UnmarshalCell] choose the form from a result cell's static type.
package codec
