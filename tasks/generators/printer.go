package generators

import (
	"fmt"
	"io"
	"os"
)

// Printer is the workshop's line-numbering coroutine: every value sent to it
// is written on its own line after its line number, starting at 1.
//
//	def printer():
//	    for line_number in integers():
//	        x = yield
//	        print(f"{line_number} {x}")
//
// The state Python keeps in the suspended generator, the line number, is a
// field here, and send is [Printer.Send]; no goroutine is involved. Unlike the
// Python generator it needs no priming next() call.
//
// The zero value writes to standard output, as print does. A Printer must not
// be used by several goroutines at once.
type Printer struct {
	w    io.Writer
	line int // lines written so far
}

// NewPrinter returns a Printer that writes to w.
func NewPrinter(w io.Writer) *Printer {
	return &Printer{w: w}
}

// Send writes "n x\n", where n is the number of the line and x is formatted
// as by fmt.Print. A line that fails to write does not use up its number.
func (p *Printer) Send(x any) error {
	w := p.w
	if w == nil {
		w = os.Stdout
	}
	if _, err := fmt.Fprintf(w, "%d %v\n", p.line+1, x); err != nil {
		return fmt.Errorf("generators: printer line %d: %w", p.line+1, err)
	}
	p.line++
	return nil
}

// Lines returns how many lines the Printer has written.
func (p *Printer) Lines() int { return p.line }
