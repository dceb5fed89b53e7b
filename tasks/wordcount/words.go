package wordcount

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Words yields the words of line, in order, lower-cased. A word that needs
// no change is a substring of line and shares its memory; copy it (as Count
// does) before keeping it beyond the line.
func Words(line string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := 0; ; {
			start, end, fix := nextWord(line, i)
			if start == end {
				return
			}
			w := line[start:end]
			if fix {
				w = normalize(w)
			}
			if !yield(w) {
				return
			}
			i = end
		}
	}
}

// nextWord finds the first word of s at or after byte i and returns its byte
// range; start == end when there is none. fix reports whether the word has
// an upper-case letter or a typographic apostrophe, so that the common case,
// a word already in lower case, costs no allocation.
func nextWord(s string, i int) (start, end int, fix bool) {
	// Skip to a letter or digit; a mark or apostrophe cannot start a word.
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if isWordRune(rune(c)) {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			break
		}
		i += n
	}
	start = i
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf { // ASCII: no marks, no case tables
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				fix = true
			case c == '\'' && i+1 < len(s) && isWordRune(runeAt(s, i+1)):
			default:
				return start, i, fix
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case isWordRune(r), unicode.IsMark(r): // a combining mark continues its word
			fix = fix || changesCase(r)
		case r == '’' && i+n < len(s) && isWordRune(runeAt(s, i+n)):
			fix = true
		default:
			return start, i, fix
		}
		i += n
	}
	return start, i, fix
}

// decode is utf8.DecodeRuneInString at s[i:], with a shortcut for ASCII.
func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func runeAt(s string, i int) rune {
	r, _ := decode(s, i)
	return r
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// changesCase reports whether lower-casing changes r.
func changesCase(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.ToLower(r) != r
}

// normalize lower-cases w and spells every apostrophe as ': the typographic
// one, U+2019 RIGHT SINGLE QUOTATION MARK (which Unicode recommends for the
// apostrophe), becomes the ASCII one.
func normalize(w string) string {
	return strings.ReplaceAll(strings.ToLower(w), "’", "'")
}
