package generators

import (
	"iter"
	"math"
)

// Integers yields 1, 2, 3, … and stops after math.MaxInt, so it never wraps
// around to negative numbers.
func Integers() iter.Seq[int] { return integersFrom(1) }

func integersFrom(first int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := first; yield(i) && i < math.MaxInt; i++ {
		}
	}
}

// Even yields the even numbers 2, 4, 6, …, each twice a value of Integers,
// and stops at the last one an int can hold.
func Even() iter.Seq[int] { return doubled(Integers()) }

// doubled yields 2i for every i of ints, stopping before 2i overflows.
func doubled(ints iter.Seq[int]) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range ints {
			if i > math.MaxInt/2 || !yield(2*i) {
				return
			}
		}
	}
}

// Fibonacci yields the Fibonacci numbers 1, 1, 2, 3, 5, 8, … and stops at the
// largest that fits an int (the 92nd, 7540113804746346429, on 64-bit ints).
func Fibonacci() iter.Seq[int] {
	return func(yield func(int) bool) {
		a, b := 1, 1
		for yield(a) {
			if b > math.MaxInt-a { // the term after b would overflow
				yield(b)
				return
			}
			a, b = b, a+b
		}
	}
}

// Take yields the first n values of seq, like itertools.islice(seq, n), and
// then stops seq without asking it for another value. It yields nothing, and
// does not start seq, when n ≤ 0. Each range over the result starts afresh.
func Take[T any](seq iter.Seq[T], n int) iter.Seq[T] {
	return func(yield func(T) bool) {
		if n <= 0 {
			return
		}
		left := n
		for v := range seq {
			if !yield(v) {
				return
			}
			if left--; left == 0 {
				return
			}
		}
	}
}
