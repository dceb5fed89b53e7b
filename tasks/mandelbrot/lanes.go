package mandelbrot

import "fmt"

// The multi-lane kernel.
//
// One pixel's iteration is a chain: each z needs the previous one, and one
// step costs a multiply, a subtract and an add of latency (about 3.4 ns here)
// while the core could start several such operations per cycle. Stepping
// `lanes` independent pixels in the same loop lets their chains overlap.
// Pixels escape at different times, so a lane that finishes is handed the
// next pixel of the tile straight away instead of idling until its neighbours
// are done.
//
// Measured on the default view on this (shared, 2-core) machine with
// BenchmarkReference and BenchmarkCompute: the plain loop 3.8 ns per
// iteration, four lanes 1.7–1.9 ns; a two-lane version measured 2.1 ns while
// developing. With four lanes the inner loop keeps z in eight registers and
// reads c from memory, so nothing spills, and it is bound by instruction
// throughput (about 16 instructions per lane-step) rather than by latency:
// more lanes would not help.

const lanes = 4

// idle is the budget of a lane with no pixel: it never runs out.
const idle = int(^uint(0) >> 1)

// queue hands the pixels of one tile to the lanes and collects their values.
type queue struct {
	// Per lane: z, c, how many more z-updates the pixel may take, and where its
	// value goes (-1 for an idle lane). A lane's z is z_m for some m ≥ 1, and
	// left = maxIter − m.
	zr, zi, cr, ci [lanes]float64
	left, pix      [lanes]int

	dst     []int32
	sum     int64 // of the values stored so far
	maxIter int
	at      int     // where the next pixel's value goes in dst
	gap     int     // dst's row stride minus the tile's width
	col     int     // the next pixel's column in the tile
	im      float64 // the imaginary part of its point (its row's)

	// The tile's first column and the view's geometry, from which load
	// computes each point with coord, rounding exactly as View.Point does.
	// Computing the real part per pixel costs a conversion, a multiply and
	// an add, nothing next to the pixel's iterations, and it spares a tile
	// two coordinate tables (two allocations per tile: 8,192 for 4,096
	// tiles of 8×8).
	x0, w, halfW    int
	y, halfH        int // the row of the next pixel in the view
	yEnd            int // the row below the tile: no pixel is left
	scale, reC, imC float64
	active          int // lanes holding a pixel

	// done, when not nil, is a run's cancellation: run looks at it after
	// every checkEvery rounds, so that a tile of a huge max-iter stops
	// within a fraction of a millisecond of a Ctrl-C, at no measurable
	// cost (one comparison per call of step).
	done    <-chan struct{}
	rounds  int  // since done was last looked at
	stopped bool // run returned because done was closed
}

// checkEvery is how many rounds of step run between two looks at a
// cancellation: about 30 µs of work with four lanes.
const checkEvery = 1 << 14

// init prepares the pixels of tile t for dst, where row r of the tile
// starts at dst[r*stride]: stride is t.W for a buffer of the tile's own,
// and the view's width when the tile writes into the whole image.
func (q *queue) init(dst []int32, stride int, v View, t Tile) {
	s := v.Scale()
	*q = queue{
		dst: dst, maxIter: v.MaxIter, gap: stride - t.W,
		x0: t.X0, w: t.W, halfW: v.Width / 2,
		y: t.Y0, yEnd: t.Y0 + t.H, halfH: v.Height / 2,
		scale: s, reC: real(v.Center), imC: imag(v.Center),
		im: coord(t.Y0, v.Height/2, s, imag(v.Center)),
	}
	for l := range lanes {
		q.load(l)
	}
}

// load gives lane l the next pixel, or makes it idle when none is left. The
// lane starts at z_1 = 0² + c = c, which is exact.
func (q *queue) load(l int) {
	if q.y == q.yEnd {
		q.zr[l], q.zi[l], q.cr[l], q.ci[l] = 0, 0, 0, 0 // 0 stays 0: never escapes
		q.left[l], q.pix[l] = idle, -1
		return
	}
	cr, ci := coord(q.x0+q.col, q.halfW, q.scale, q.reC), q.im
	q.zr[l], q.zi[l], q.cr[l], q.ci[l] = cr, ci, cr, ci
	q.left[l], q.pix[l] = q.maxIter-1, q.at
	q.active++
	q.at++
	if q.col++; q.col == q.w {
		q.col, q.y, q.at = 0, q.y+1, q.at+q.gap
		q.im = coord(q.y, q.halfH, q.scale, q.imC)
	}
}

// finish stores value v for lane l's pixel and gives the lane the next one.
func (q *queue) finish(l int, v int) {
	q.dst[q.pix[l]] = int32(v)
	q.sum += int64(v)
	q.active--
	q.load(l)
}

func (q *queue) run() {
	for {
		// A lane at z_maxIter is done: its value is maxIter−1 whether or not
		// that last z escaped.
		for l := range lanes {
			for q.left[l] == 0 {
				q.finish(l, q.maxIter-1)
			}
		}
		if q.active == 0 {
			return
		}
		steps := min(q.left[0], q.left[1], q.left[2], q.left[3], checkEvery)
		n, escaped := step(q, steps)
		if q.rounds += n; q.rounds >= checkEvery && q.done != nil {
			q.rounds = 0
			select {
			case <-q.done:
				q.stopped = true
				return
			default:
			}
		}
		for l := range lanes {
			switch {
			case q.pix[l] < 0:
				// Idle: its budget stays at idle, which no tile can use up.
			case escaped&(1<<l) != 0:
				// Lane l's escape test failed in round n−1, on z_m with
				// m = maxIter − left + n − 1; the loop's k is m − 1.
				q.finish(l, q.maxIter-q.left[l]+n-2)
			default:
				q.left[l] -= n
			}
		}
	}
}

// step runs up to steps rounds. A round tests every lane's z for escape and
// then advances every lane by one z-update (an escaped lane too: its z is no
// longer needed). It returns the number of rounds n and a bit mask of the
// lanes whose test failed in the last round; the mask is 0 when all steps
// rounds ran.
//
// The body is written lane after lane, not operation after operation: the
// processor overlaps the four independent chains anyway, and this order keeps
// few temporaries alive so nothing spills. The update is exactly Escape's
// (t+t is zr·zi + zi·zr, since both products round alike).
func step(q *queue, steps int) (n int, escaped uint) {
	zr0, zi0 := q.zr[0], q.zi[0]
	zr1, zi1 := q.zr[1], q.zi[1]
	zr2, zi2 := q.zr[2], q.zi[2]
	zr3, zi3 := q.zr[3], q.zi[3]
	cr, ci := &q.cr, &q.ci
	for n < steps {
		n++
		x, y := float64(zr0*zr0), float64(zi0*zi0)
		if x+y > 4 {
			escaped |= 1
		}
		t := float64(zr0 * zi0)
		zr0, zi0 = float64(x-y)+cr[0], float64(t+t)+ci[0]

		x, y = float64(zr1*zr1), float64(zi1*zi1)
		if x+y > 4 {
			escaped |= 2
		}
		t = float64(zr1 * zi1)
		zr1, zi1 = float64(x-y)+cr[1], float64(t+t)+ci[1]

		x, y = float64(zr2*zr2), float64(zi2*zi2)
		if x+y > 4 {
			escaped |= 4
		}
		t = float64(zr2 * zi2)
		zr2, zi2 = float64(x-y)+cr[2], float64(t+t)+ci[2]

		x, y = float64(zr3*zr3), float64(zi3*zi3)
		if x+y > 4 {
			escaped |= 8
		}
		t = float64(zr3 * zi3)
		zr3, zi3 = float64(x-y)+cr[3], float64(t+t)+ci[3]

		if escaped != 0 {
			break
		}
	}
	q.zr = [lanes]float64{zr0, zr1, zr2, zr3}
	q.zi = [lanes]float64{zi0, zi1, zi2, zi3}
	return n, escaped
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrTile}, args...)...)
}
