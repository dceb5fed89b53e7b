package wordcount

import (
	"cmp"
	"iter"
	"slices"
	"strings"
)

// WordCount is a word and how often it occurs.
type WordCount struct {
	Word  string
	Count int
}

// Count returns how often each word of [Words] occurs in lines.
func Count(lines iter.Seq[string]) map[string]int {
	// A word from Words may point into its line, and a map assignment to an
	// existing string key stores the new key too, so counting with m[w]++
	// would keep every line alive through the keys. Instead the map only
	// looks words up; the first occurrence is copied and counted in a slice.
	index := make(map[string]int)
	var words []WordCount
	for line := range lines {
		for w := range Words(line) {
			if i, ok := index[w]; ok {
				words[i].Count++
				continue
			}
			w = strings.Clone(w)
			index[w] = len(words)
			words = append(words, WordCount{w, 1})
		}
	}
	counts := make(map[string]int, len(words))
	for _, wc := range words {
		counts[wc.Word] = wc.Count
	}
	return counts
}

// Merge adds the counts of src to dst, as a reduction combines the counts
// of two partitions.
func Merge(dst, src map[string]int) {
	for w, n := range src {
		dst[w] += n
	}
}

// TopK returns the k most frequent words, most frequent first; words with the
// same count are in alphabetical (byte) order, so the result does not depend
// on map iteration order. It returns every word when k ≥ len(counts) and
// none when k ≤ 0.
func TopK(counts map[string]int, k int) []WordCount {
	if k <= 0 {
		return nil
	}
	if k >= len(counts) {
		all := make([]WordCount, 0, len(counts))
		for w, n := range counts {
			all = append(all, WordCount{w, n})
		}
		slices.SortFunc(all, compare)
		return all
	}
	// Keep the best k seen so far in a heap whose root is the worst of them:
	// O(n log k) instead of sorting all n words.
	h := make(heap, 0, k)
	for w, n := range counts {
		c := WordCount{w, n}
		switch {
		case len(h) < k:
			h.push(c)
		case compare(c, h[0]) < 0: // c ranks above the worst kept
			h[0] = c
			h.down(0)
		}
	}
	slices.SortFunc(h, compare)
	return h
}

// compare orders by count, descending, then by word, ascending: a negative
// result means a ranks above b.
func compare(a, b WordCount) int {
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	return strings.Compare(a.Word, b.Word)
}

// heap is a binary heap with the lowest-ranked entry at the root.
type heap []WordCount

// below reports whether entry i ranks below entry j (so belongs nearer the root).
func (h heap) below(i, j int) bool { return compare(h[i], h[j]) > 0 }

func (h *heap) push(c WordCount) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.below(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h heap) down(i int) {
	for {
		m := i
		if l := 2*i + 1; l < len(h) && h.below(l, m) {
			m = l
		}
		if r := 2*i + 2; r < len(h) && h.below(r, m) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
