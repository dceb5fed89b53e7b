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
	switch {
	case errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0):
		return fmt.Errorf("too large (at most %d)", math.MaxInt)
	case err != nil || math.IsNaN(f) || f != math.Trunc(f):
		return errors.New("not a whole number")
	case math.Abs(f) >= math.MaxInt64: // 2⁶³ and beyond: a whole number, but too large
		return fmt.Errorf("too large (at most %d)", math.MaxInt)
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
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("out of range: a part exceeds ±%g", math.MaxFloat64)
	}
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

// byteSize is a size in bytes: "1048576", "64KiB", "32MiB", "1GiB", or
// with SI units "64kB", "1MB", "1e6".
type byteSize struct{ p *int64 }

var byteUnits = []struct {
	suffix string
	n      int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

func (b byteSize) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	unit := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, unit = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	var n int
	if err := (countValue{&n}).Set(t); err != nil {
		return fmt.Errorf("not a size like 64MiB: %w", err)
	}
	if n != 0 && (n > math.MaxInt64/int(unit) || n < math.MinInt64/int(unit)) {
		return fmt.Errorf("too large (at most %d bytes)", int64(math.MaxInt64))
	}
	*b.p = int64(n) * unit
	return nil
}

// String writes the size in bytes, which Set reads back.
func (b byteSize) String() string { return strconv.FormatInt(*b.p, 10) }
func (b byteSize) Type() string   { return "bytes" }
