package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunSample(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-top", "3"}); err != nil {
		t.Fatal(err)
	}
	want := `the 3 most frequent words (3 partitions):
     7 the
     6 is
     4 a
`
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunInput(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("b a b\nc b\n"), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-input", filepath.Join(dir, "*.txt"), "-top", "2"}); err != nil {
		t.Fatal(err)
	}
	if want := "the 2 most frequent words (1 partitions):\n     3 b\n     1 a\n"; out.String() != want {
		t.Fatalf("output %q", out.String())
	}
	if err := run(context.Background(), &out, []string{"-input", filepath.Join(dir, "*.md")}); err == nil {
		t.Fatal("a pattern that matches nothing was accepted")
	}
}
