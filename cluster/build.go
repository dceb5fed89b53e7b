package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
)

// BuildEnv, when set, overrides the build ID of this program (see
// [BuildID]). Every process of a cluster must agree on it, so it is only
// for tests and for deployments that name their builds themselves.
const BuildEnv = "TASKGRAPH_BUILD"

// BuildID names this program's build: a digest of its executable file, so
// that a worker of another build (another version of the program, whose
// job builders may make other graphs) never receives this program's tasks.
// The digest is computed once per process.
func BuildID() (string, error) {
	if b := os.Getenv(BuildEnv); b != "" {
		return b, nil
	}
	return executableDigest()
}

var executableDigest = sync.OnceValues(func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cluster: build ID: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("cluster: build ID: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("cluster: build ID: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
})
