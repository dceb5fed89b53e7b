//go:build !unix

package bag

import (
	"context"
	"os"
)

// openFile opens path for reading; close ends it. (Named pipes, whose
// opens and reads would wait, are a unix matter.)
func openFile(_ context.Context, path string) (*os.File, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, func() {}, err
	}
	return f, func() { f.Close() }, nil
}
