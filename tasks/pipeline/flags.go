package pipeline

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Flag values for what pflag has no type for. Each String is what Set
// reads back, so Args round-trips.

// countValue is an int flag that also reads 1e8 and 100_000_000: sample
// counts are easier to type and to check that way than 100000000.
type countValue struct{ p *int }

func (c countValue) Set(s string) error {
	t := strings.ReplaceAll(s, "_", "")
	if n, err := strconv.ParseInt(t, 10, 0); err == nil {
		*c.p = int(n)
		return nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= math.MaxInt64 {
		return errors.New("not a whole number")
	}
	*c.p = int(f)
	return nil
}

func (c countValue) String() string { return strconv.Itoa(*c.p) }
func (c countValue) Type() string   { return "int" }

// complexValue is a complex128 flag: "-1.1195+0.2718i", "(0.5-1i)", "3".
type complexValue struct{ p *complex128 }

func (c complexValue) Set(s string) error {
	v, err := strconv.ParseComplex(strings.TrimSpace(s), 128)
	if err != nil {
		return fmt.Errorf("not a complex number like -1.1195+0.2718i")
	}
	*c.p = v
	return nil
}

func (c complexValue) String() string {
	// FormatComplex wraps the number in parentheses, which a shell would
	// want quoted; ParseComplex reads it without them as well.
	s := strconv.FormatComplex(*c.p, 'g', -1, 128)
	return strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
}

func (c complexValue) Type() string { return "complex" }

// Size is a width and a height in pixels. The zero Size means "not set".
type Size struct{ W, H int }

// String returns "WxH", or "" for the zero Size.
func (s Size) String() string {
	if s == (Size{}) {
		return ""
	}
	return strconv.Itoa(s.W) + "x" + strconv.Itoa(s.H)
}

// sizeValue is a Size flag: "64x32", or "64" for a square; "" unsets it.
type sizeValue struct{ p *Size }

func (v sizeValue) Set(s string) error {
	if s == "" {
		*v.p = Size{}
		return nil
	}
	ws, hs, square := strings.Cut(strings.ToLower(s), "x")
	if !square {
		hs = ws
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		// 0 would read back as "not set": refuse it here.
		return errors.New("not a positive size like 64x32 or 64")
	}
	*v.p = Size{w, h}
	return nil
}

func (v sizeValue) String() string { return v.p.String() }
func (v sizeValue) Type() string   { return "WxH" }
