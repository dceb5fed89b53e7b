package wordcount

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"pgregory.net/rapid"
)

// refWords is the tokenizer written the plain way, over a slice of runes,
// for the tests to compare Words against.
func refWords(line string) []string {
	rs := []rune(line)
	isWord := func(k int) bool { return k < len(rs) && (unicode.IsLetter(rs[k]) || unicode.IsDigit(rs[k])) }
	var words []string
	var cur []rune
	for k := 0; k < len(rs); k++ {
		r := rs[k]
		switch {
		case isWord(k):
			cur = append(cur, unicode.ToLower(r))
		case len(cur) > 0 && unicode.IsMark(r):
			cur = append(cur, unicode.ToLower(r))
		case len(cur) > 0 && (r == '\'' || r == '’') && isWord(k+1):
			cur = append(cur, '\'')
		default:
			if len(cur) > 0 {
				words = append(words, string(cur))
				cur = cur[:0]
			}
		}
	}
	if len(cur) > 0 {
		words = append(words, string(cur))
	}
	return words
}

func TestWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"", nil},
		{"   \t ", nil},
		{"Hello, World!", []string{"hello", "world"}},
		{"don't stop", []string{"don't", "stop"}},
		{"Don’t", []string{"don't"}},
		{"'quoted' words'", []string{"quoted", "words"}},
		{"rock'n'roll", []string{"rock'n'roll"}},
		{"it''s", []string{"it", "s"}},
		{"well-known 3.14 R2D2", []string{"well", "known", "3", "14", "r2d2"}},
		{"ÉCOLE Straße ΟΔΟΣ", []string{"école", "straße", "οδοσ"}},
		{"cafe\u0301 \u0301x", []string{"cafe\u0301", "x"}}, // decomposed é; a leading mark is not a word
		{"日本語 テキスト", []string{"日本語", "テキスト"}},
		{"x\xffy", []string{"x", "y"}}, // invalid UTF-8 separates
		{"tab\tnew\nline", []string{"tab", "new", "line"}},
		{"٣ apples", []string{"٣", "apples"}}, // Arabic-Indic digit
	}
	for _, tt := range tests {
		got := slices.Collect(Words(tt.line))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.line, got, tt.want)
		}
		if ref := refWords(tt.line); !slices.Equal(ref, tt.want) {
			t.Errorf("refWords(%q) = %q, want %q (the reference itself is wrong)", tt.line, ref, tt.want)
		}
	}
}

// Random text mixing cases, scripts, marks, apostrophes and separators.
func textGen() *rapid.Generator[string] {
	pieces := []string{"a", "B", "z", "Q", "0", "9", " ", "  ", ",", ".", "-", "'", "’", "\u0301",
		"é", "É", "ß", "Σ", "ς", "日", "ǅ", "İ", "\t", "\n", "\xff", "٣", "x'", "'y"}
	return rapid.Custom(func(t *rapid.T) string {
		return strings.Join(rapid.SliceOf(rapid.SampledFrom(pieces)).Draw(t, "pieces"), "")
	})
}

func TestWordsMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		line := textGen().Draw(t, "line")
		got := slices.Collect(Words(line))
		if want := refWords(line); !slices.Equal(got, want) {
			t.Fatalf("Words(%q) = %q, reference %q", line, got, want)
		}
	})
}

// Arbitrary strings, including invalid UTF-8: every word is non-empty,
// already normal, and the tokenizer agrees with the reference.
func TestWordsArbitrary(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		line := rapid.String().Draw(t, "line")
		got := slices.Collect(Words(line))
		for _, w := range got {
			if w == "" || normalize(w) != w {
				t.Fatalf("Words(%q) yielded %q", line, w)
			}
		}
		if want := refWords(line); !slices.Equal(got, want) {
			t.Fatalf("Words(%q) = %q, reference %q", line, got, want)
		}
	})
}

func TestWordsStopsEarly(t *testing.T) {
	n := 0
	for range Words("one two three four") {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("ran %d times", n)
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"Don’t stop", "cafe\u0301", "x\xffy", "'a'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if got, want := slices.Collect(Words(line)), refWords(line); !slices.Equal(got, want) {
			t.Fatalf("Words(%q) = %q, reference %q", line, got, want)
		}
	})
}
