package wordcount_test

import (
	"fmt"
	"slices"

	"github.com/seed001e6470/taskgraph/tasks/wordcount"
)

func ExampleWords() {
	for w := range wordcount.Words(`"Don’t panic," said the Guide — it's well-known advice.`) {
		fmt.Print(w, "|")
	}
	fmt.Println()
	// Output:
	// don't|panic|said|the|guide|it's|well|known|advice|
}

func ExampleCount() {
	lines := []string{"The cat's hat.", "the CAT’S hat!", "A hat"}
	counts := wordcount.Count(slices.Values(lines))
	fmt.Println(counts)
	// Output:
	// map[a:1 cat's:2 hat:3 the:2]
}

func ExampleMerge() {
	a := wordcount.Count(slices.Values([]string{"one two two"}))
	b := wordcount.Count(slices.Values([]string{"two three"}))
	wordcount.Merge(a, b)
	fmt.Println(a)
	// Output:
	// map[one:1 three:1 two:3]
}

func ExampleTopK() {
	counts := map[string]int{"pear": 2, "apple": 2, "fig": 5, "kiwi": 1}
	fmt.Println(wordcount.TopK(counts, 3))
	// Output:
	// [{fig 5} {apple 2} {pear 2}]
}
