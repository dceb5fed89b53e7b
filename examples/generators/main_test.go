package main

import (
	"bytes"
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-n", "100"}); err != nil {
		t.Fatal(err)
	}
	// 4·Σk² for k = 1…100 = 4·338350
	want := `fibonacci: [1 1 2 3 5 8 13 21 34 55]
1 2 3 4 5 6 
next, next: 2 4
1 Mercury
2 Venus
3 Earth
sum of the squares of the first 100 even numbers: 1.3534e+06 (100 partitions)
`
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if err := run(context.Background(), &out, []string{"-n", "-1"}); err == nil {
		t.Fatal("-n -1 was accepted")
	}
}
