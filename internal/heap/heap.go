// Package heap is a binary heap of any element type, ordered by a less
// function: the one heap the scheduler's ready queues and the graph's
// reference order share. container/heap would box every element pushed
// into an interface; this does not.
package heap

// Heap holds elements with the least (by Less) on top. Set Less before
// the first Push.
type Heap[E any] struct {
	xs   []E
	Less func(a, b E) bool
}

// Len is the number of elements.
func (h *Heap[E]) Len() int { return len(h.xs) }

// Push adds x: O(log n).
func (h *Heap[E]) Push(x E) {
	h.xs = append(h.xs, x)
	for k := len(h.xs) - 1; k > 0; {
		parent := (k - 1) / 2
		if !h.Less(h.xs[k], h.xs[parent]) {
			break
		}
		h.xs[k], h.xs[parent] = h.xs[parent], h.xs[k]
		k = parent
	}
}

// Pop removes and returns the least element: O(log n). The heap must not
// be empty.
func (h *Heap[E]) Pop() E {
	top := h.xs[0]
	last := len(h.xs) - 1
	h.xs[0] = h.xs[last]
	var zero E
	h.xs[last] = zero // a popped element is not kept alive by the array
	h.xs = h.xs[:last]
	for k := 0; ; {
		least, l, r := k, 2*k+1, 2*k+2
		if l < last && h.Less(h.xs[l], h.xs[least]) {
			least = l
		}
		if r < last && h.Less(h.xs[r], h.xs[least]) {
			least = r
		}
		if least == k {
			return top
		}
		h.xs[k], h.xs[least] = h.xs[least], h.xs[k]
		k = least
	}
}
