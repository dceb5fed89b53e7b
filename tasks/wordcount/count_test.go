package wordcount

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

// refCount counts with the reference tokenizer and plain loops.
func refCount(lines []string) map[string]int {
	counts := map[string]int{}
	for _, line := range lines {
		for _, w := range refWords(line) {
			counts[w]++
		}
	}
	return counts
}

// refTopK sorts every word and keeps the first k.
func refTopK(counts map[string]int, k int) []WordCount {
	var all []WordCount
	for w, n := range counts {
		all = append(all, WordCount{w, n})
	}
	slices.SortFunc(all, func(a, b WordCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Word, b.Word)
	})
	return all[:max(0, min(k, len(all)))]
}

func TestCountMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lines := rapid.SliceOf(textGen()).Draw(t, "lines")
		got := Count(slices.Values(lines))
		if want := refCount(lines); !maps.Equal(got, want) {
			t.Fatalf("Count = %v, reference %v", got, want)
		}
		// Counting partitions separately and merging gives the same.
		cut := rapid.IntRange(0, len(lines)).Draw(t, "cut")
		merged := Count(slices.Values(lines[:cut]))
		Merge(merged, Count(slices.Values(lines[cut:])))
		if !maps.Equal(merged, got) {
			t.Fatalf("merged partitions = %v, whole = %v", merged, got)
		}
	})
}

func TestTopKMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Few distinct counts, so ties are common.
		counts := rapid.MapOf(rapid.StringMatching(`[a-e]{1,3}`), rapid.IntRange(1, 4)).Draw(t, "counts")
		k := rapid.IntRange(-1, len(counts)+2).Draw(t, "k")
		got, want := TopK(counts, k), refTopK(counts, k)
		if !slices.Equal(got, want) {
			t.Fatalf("TopK(%v, %d) = %v, reference %v", counts, k, got, want)
		}
	})
}

func TestTopKTies(t *testing.T) {
	counts := map[string]int{"pear": 2, "apple": 2, "fig": 5, "kiwi": 1, "date": 2}
	want := []WordCount{{"fig", 5}, {"apple", 2}, {"date", 2}}
	for range 20 { // map order varies from run to run; the result must not
		if got := TopK(counts, 3); !slices.Equal(got, want) {
			t.Fatalf("TopK = %v, want %v", got, want)
		}
	}
	if got := TopK(counts, 0); got != nil {
		t.Errorf("TopK(0) = %v", got)
	}
	if got := TopK(nil, 3); len(got) != 0 {
		t.Errorf("TopK(nil) = %v", got)
	}
}

// Count must not keep whole lines alive through its keys.
func TestCountCopiesKeys(t *testing.T) {
	line := strings.Repeat("word ", 1000)
	lo := uintptr(unsafe.Pointer(unsafe.StringData(line)))
	hi := lo + uintptr(len(line))
	for w := range Count(slices.Values([]string{line})) {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(w))); p >= lo && p < hi {
			t.Errorf("key %q points into the line", w)
		}
	}
}
