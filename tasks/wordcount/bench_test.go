package wordcount

import (
	"slices"
	"strings"
	"testing"
)

// go test -run '^$' -bench . -count 5 ./tasks/wordcount/

var benchLines = func() []string {
	words := strings.Fields("the quick Brown fox jumps over the lazy dog's back; Don’t panic — " +
		"forty-two is the answer to life, the universe and everything. Ça va très bien")
	lines := make([]string, 2000)
	for i := range lines {
		var b strings.Builder
		for j := range 12 {
			b.WriteString(words[(i*7+j*3)%len(words)])
			b.WriteByte(' ')
		}
		lines[i] = b.String()
	}
	return lines
}()

func BenchmarkWords(b *testing.B) {
	size := 0
	for _, l := range benchLines {
		size += len(l)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range benchLines {
			for range Words(l) {
			}
		}
	}
}

func BenchmarkCount(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Count(slices.Values(benchLines))
	}
}

func BenchmarkTopK(b *testing.B) {
	counts := map[string]int{}
	for i := range 100_000 {
		counts[strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune(0x4e00+i))] = i % 1000
	}
	b.ReportAllocs()
	for b.Loop() {
		TopK(counts, 10)
	}
}
