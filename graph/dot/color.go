package dot

import (
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	gv "github.com/emicklei/dot"

	"github.com/seed001e6470/taskgraph/graph"
)

// Palettes from ColorBrewer, chosen to print and to survive colour-blind
// eyes. Colours are binned rather than blended: a reader matches a node to
// a legend row, which a continuous ramp does not allow.
var (
	// RdBu, red first: early tasks warm, late ones cool.
	orderPalette = []string{"#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac"}
	// YlOrRd: slow tasks stand out.
	durationPalette = []string{"#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"}
)

// Per-state colours and names, indexed by the s* constants below.
var (
	stateColors = [nStates]string{"#e34a33", "#fdae61", "#d9d9d9", "#a6d96a", ""}
	stateNames  = [nStates]string{"failed", "skipped", "not run", "done", "no data"}
)

// State indexes, in the order a collapsed stage picks its colour: the
// worst state any of its tasks reached.
const (
	sFailed = iota
	sSkipped
	sNotRun
	sDone
	sNoData // no Stats for the task, or a state this package does not know
	nStates
)

func stateIndex(s State) int {
	switch s {
	case Failed:
		return sFailed
	case Skipped:
		return sSkipped
	case NotRun:
		return sNotRun
	case Done:
		return sDone
	}
	return sNoData
}

// measure is what colouring knows about one drawn item: a task, a value
// (which has nothing to measure), or a collapsed stage (the sum of its
// nodes).
type measure struct {
	tasks       int
	first, last int32 // places in the static order; -1 when none
	dur         time.Duration
	timed       int // tasks with a measured duration
	states      [nStates]int
}

func (e *exporter) nodeMeasure(id int) measure {
	m := measure{first: -1, last: -1}
	if e.g.Kind(id) != graph.KindTask {
		return m
	}
	m.tasks = 1
	switch e.o.Color {
	case ByOrder:
		m.first, m.last = e.pos[id], e.pos[id]
	case ByDuration, ByState:
		s, ok := e.o.Stats(id)
		if !ok {
			m.states[sNoData] = 1
			break
		}
		m.states[stateIndex(s.State)] = 1
		if s.Duration > 0 {
			m.dur, m.timed = s.Duration, 1
		}
	}
	return m
}

func (m *measure) merge(n measure) {
	if n.first >= 0 && (m.first < 0 || n.first < m.first) {
		m.first = n.first
	}
	m.last = max(m.last, n.last)
	m.tasks += n.tasks
	m.dur += n.dur
	m.timed += n.timed
	for i, c := range n.states {
		m.states[i] += c
	}
}

// worst is the state a stage is coloured by.
func (m *measure) worst() int {
	for i, c := range m.states {
		if c > 0 {
			return i
		}
	}
	return -1
}

// painter turns measures into fills, label lines and a legend, for one
// colour option. Items are numbered in the order they were added.
type painter struct {
	color Color
	ms    []measure
	fill  []string
	title string
	rows  []legendRow
}

type legendRow struct{ color, text string }

func (e *exporter) newPainter(n int) *painter {
	return &painter{color: e.o.Color, ms: make([]measure, 0, n)}
}

func (p *painter) add(m measure) { p.ms = append(p.ms, m) }

// finish chooses every item's colour, now that the range is known.
func (p *painter) finish() {
	p.fill = make([]string, len(p.ms))
	switch p.color {
	case ByOrder:
		p.paintOrder()
	case ByDuration:
		p.paintDuration()
	case ByState:
		p.paintState()
	}
}

func (p *painter) paintOrder() {
	lo, hi := int32(-1), int32(-1)
	for _, m := range p.ms {
		if m.first >= 0 {
			if lo < 0 || m.first < lo {
				lo = m.first
			}
			hi = max(hi, m.first)
		}
	}
	if lo < 0 {
		return
	}
	span := int(hi-lo) + 1
	k := min(len(orderPalette), span)
	bin := func(m measure) int { return int(m.first-lo) * k / span }
	// Spread the bins used over the whole palette, so that a short
	// order still runs from red to blue.
	color := func(b int) string {
		if k == 1 {
			return orderPalette[0]
		}
		return orderPalette[b*(len(orderPalette)-1)/(k-1)]
	}
	rows := make([]struct{ lo, hi int32 }, k)
	for i := range rows {
		rows[i].lo = -1
	}
	for i, m := range p.ms {
		if m.first < 0 {
			continue
		}
		b := bin(m)
		p.fill[i] = color(b)
		r := &rows[b]
		if r.lo < 0 || m.first < r.lo {
			r.lo = m.first
		}
		r.hi = max(r.hi, m.first)
	}
	p.title = "static order"
	for b, r := range rows {
		if r.lo >= 0 {
			p.rows = append(p.rows, legendRow{color(b), places(r.lo, r.hi)})
		}
	}
}

// places prints 0-based places as 1-based, the way people count.
func places(a, b int32) string {
	if a == b {
		return strconv.Itoa(int(a) + 1)
	}
	return strconv.Itoa(int(a)+1) + "–" + strconv.Itoa(int(b)+1)
}

func (p *painter) paintDuration() {
	var lo, hi time.Duration
	untimed := 0
	for _, m := range p.ms {
		if m.timed == 0 {
			untimed += m.tasks
			continue
		}
		if lo == 0 || m.dur < lo {
			lo = m.dur
		}
		hi = max(hi, m.dur)
	}
	p.title = "duration"
	if lo == 0 {
		p.noData(untimed)
		return
	}
	// A log scale: task times spread over orders of magnitude, and a
	// linear one would paint everything but the slowest task pale.
	k := len(durationPalette)
	if hi == lo {
		k = 1
	}
	ratio := math.Log(float64(hi) / float64(lo))
	bin := func(d time.Duration) int {
		if k == 1 {
			return 0
		}
		return min(int(float64(k)*math.Log(float64(d)/float64(lo))/ratio), k-1)
	}
	rows := make([]struct{ lo, hi time.Duration }, k)
	for i, m := range p.ms {
		if m.timed == 0 {
			continue
		}
		b := bin(m.dur)
		p.fill[i] = durationPalette[b]
		r := &rows[b]
		if r.lo == 0 || m.dur < r.lo {
			r.lo = m.dur
		}
		r.hi = max(r.hi, m.dur)
	}
	for b, r := range rows {
		switch {
		case r.lo == 0:
		case r.lo == r.hi:
			p.rows = append(p.rows, legendRow{durationPalette[b], short(r.lo)})
		default:
			p.rows = append(p.rows, legendRow{durationPalette[b], short(r.lo) + " – " + short(r.hi)})
		}
	}
	p.noData(untimed)
}

func (p *painter) noData(n int) {
	if n > 0 {
		p.rows = append(p.rows, legendRow{"", "no data (" + strconv.Itoa(n) + ")"})
	}
}

func (p *painter) paintState() {
	var total [nStates]int
	for i, m := range p.ms {
		if w := m.worst(); w >= 0 {
			p.fill[i] = stateColors[w]
		}
		for s, c := range m.states {
			total[s] += c
		}
	}
	p.title = "state"
	for s, c := range total {
		if c > 0 {
			p.rows = append(p.rows, legendRow{stateColors[s], stateNames[s] + " (" + strconv.Itoa(c) + ")"})
		}
	}
}

// label adds the measured line under an item's name.
func (p *painter) label(i int, name string) string {
	m := &p.ms[i]
	switch p.color {
	case ByOrder:
		if m.first >= 0 {
			return name + "\norder " + places(m.first, m.last)
		}
	case ByDuration:
		if m.timed > 0 {
			if m.tasks > 1 && m.timed < m.tasks {
				// Say the sum is partial: some tasks never ran.
				return name + "\ntotal " + short(m.dur) + " (" + strconv.Itoa(m.timed) + " of " + strconv.Itoa(m.tasks) + " timed)"
			}
			if m.tasks > 1 {
				return name + "\ntotal " + short(m.dur)
			}
			return name + "\n" + short(m.dur)
		}
	case ByState:
		var parts []string
		for s, c := range m.states {
			if c > 0 {
				parts = append(parts, strconv.Itoa(c)+" "+stateNames[s])
			}
		}
		if len(parts) > 1 {
			return name + "\n" + strings.Join(parts, ", ")
		}
	}
	return name
}

func (p *painter) style(i int, n gv.Node) {
	f := p.fill[i]
	if f == "" {
		return
	}
	n.Attr("style", "filled")
	n.Attr("fillcolor", f)
	if dark(f) {
		n.Attr("fontcolor", "white")
	}
}

// legend adds a table of the colours used, as one HTML-labelled node.
func (p *painter) legend(out *gv.Graph) {
	if len(p.rows) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString(`<table border="0" cellborder="1" cellspacing="0" cellpadding="4">`)
	b.WriteString(`<tr><td colspan="2"><b>` + html.EscapeString(p.title) + `</b></td></tr>`)
	for _, r := range p.rows {
		b.WriteString(`<tr><td width="24"`)
		if r.color != "" {
			b.WriteString(` bgcolor="` + r.color + `"`)
		}
		b.WriteString(`></td><td align="left">` + html.EscapeString(r.text) + `</td></tr>`)
	}
	b.WriteString(`</table>`)
	n := out.Node("~legend") // sorts after every node key, so it is written last
	n.Attr("shape", "plaintext")
	n.Attr("label", gv.HTML(b.String()))
}

// dark tells whether black text would be hard to read on colour c
// ("#rrggbb"), by its luma.
func dark(c string) bool {
	v, err := strconv.ParseUint(strings.TrimPrefix(c, "#"), 16, 32)
	if err != nil {
		return false
	}
	r, g, b := v>>16&0xff, v>>8&0xff, v&0xff
	return 299*r+587*g+114*b < 120_000
}

// short prints d with three significant digits: 12.3ms, not 12.345678ms.
func short(d time.Duration) string {
	unit := time.Duration(1)
	for lim := time.Duration(1000); d >= lim && unit < time.Second; lim *= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
}
