// Package generators is the first hour of the workshop in Go: Python
// generators become iter.Seq iterators, itertools.islice becomes [Take], and
// the coroutine that numbers the lines sent to it becomes a [Printer].
//
// A Python generator is lazy and may be infinite; so are [Integers], [Even]
// and [Fibonacci]: nothing runs until a range loop or [Take] pulls values, and
// a loop that breaks stops the generator where it is. Where Python's ints
// grow without bound, these stop at the last value an int can hold.
//
// Python's next(it) is iter.Pull (see the package example). A coroutine that
// receives values with send() needs no goroutine in Go: its state between
// sends is a struct field, and send is a method.
package generators
