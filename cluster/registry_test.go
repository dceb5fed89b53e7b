package cluster

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

func TestFingerprint(t *testing.T) {
	p := noFaults(5, "")
	a, _ := squares(p)
	b, _ := squares(p)
	if !bytes.Equal(fingerprint(a), fingerprint(b)) {
		t.Fatal("the same builder and parameters gave different fingerprints")
	}
	c, _ := squares(noFaults(6, ""))
	if bytes.Equal(fingerprint(a), fingerprint(c)) {
		t.Fatal("graphs of 5 and 6 squares share a fingerprint")
	}
}

func TestRegistry(t *testing.T) {
	var r Registry
	build := func(p squaresParams) (*graph.Graph, error) { g, _ := squares(p); return g, nil }
	if err := Register(&r, "sq", build); err != nil {
		t.Fatal(err)
	}
	if err := Register(&r, "sq", build); !errors.Is(err, ErrDuplicateJob) {
		t.Fatalf("registering twice: %v, want ErrDuplicateJob", err)
	}
	var te *codec.TypeError
	if err := Register(&r, "bad", func(func()) (*graph.Graph, error) { return nil, nil }); !errors.As(err, &te) || !strings.Contains(err.Error(), `job "bad"`) {
		t.Fatalf("registering a job whose parameters are a func: %v, want a codec.TypeError naming the job", err)
	}
	params, _ := marshal(noFaults(3, ""))
	g, err := r.build("sq", params)
	if err != nil || g.Len() != 7 {
		t.Fatalf("build: %v, %d nodes, want 7", err, g.Len())
	}
	if _, err := r.build("nope", params); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("unknown job: %v, want ErrUnknownJob", err)
	}
	if got := r.Names(); len(got) != 1 || got[0] != "sq" {
		t.Fatalf("Names = %v", got)
	}
}
