package pi

import "math/bits"

// stream is a xoshiro256++ generator (https://prng.di.unimi.it/). Its zero
// value is invalid (all-zero state is a fixed point); use newStream.
type stream struct{ s0, s1, s2, s3 uint64 }

// newStream seeds a generator for chunk index of the run seeded by seed. The
// four state words are consecutive splitmix64 outputs, started from a point
// that depends on both numbers; for a fixed seed distinct indices start from
// distinct points.
func newStream(seed uint64, index int) stream {
	x := mix64(seed) ^ uint64(index)
	var s stream
	x += golden
	s.s0 = mix64(x)
	x += golden
	s.s1 = mix64(x)
	x += golden
	s.s2 = mix64(x)
	x += golden
	s.s3 = mix64(x)
	return s // mix64 is a bijection, so at most one word is zero
}

// golden is splitmix64's increment, 2⁶⁴/φ rounded to odd.
const golden = 0x9e3779b97f4a7c15

// mix64 is splitmix64's output function (Steele, Lea and Flood; Stafford's
// variant 13), a bijection that scrambles every input bit into every output bit.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (g *stream) next() uint64 {
	r := bits.RotateLeft64(g.s0+g.s3, 23) + g.s0
	t := g.s1 << 17
	g.s2 ^= g.s0
	g.s3 ^= g.s1
	g.s1 ^= g.s2
	g.s0 ^= g.s3
	g.s2 ^= t
	g.s3 = bits.RotateLeft64(g.s3, 45)
	return r
}
