package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDashboardArgs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"run pi --dashboard", "run pi --dashboard"},
		{"run pi --dashboard 127.0.0.1:0 --hold", "run pi --dashboard=127.0.0.1:0 --hold"},
		{"run pi --dashboard [::1]:9000", "run pi --dashboard=[::1]:9000"},
		{"run pi --dashboard --hold", "run pi --dashboard --hold"},
		{"run pi --dashboard extra", "run pi --dashboard extra"}, // not an address: stays an argument
		{"run pi -- --dashboard 127.0.0.1:0", "run pi -- --dashboard 127.0.0.1:0"},
	} {
		if got := strings.Join(dashboardArgs(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("dashboardArgs(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestDashboardBadInput(t *testing.T) {
	dir := t.TempDir()
	notProfile := writeText(t, dir, "x.json", `{"hello": 1}`)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"run", "pi", "--hold"}, 2, "--hold keeps the dashboard open: it needs --dashboard"},
		{[]string{"run", "pi", "--dashboard", "0.0.0.0:0"}, 2, "add --dashboard-public"},
		{[]string{"run", "pi", "--dashboard=nonsense"}, 1, `address "nonsense"`},
		{[]string{"run", "pi", "--report", filepath.Join(dir, "no", "r.html")}, 1, "no such file or directory"},
		{[]string{"dashboard"}, 2, "dashboard takes one profile or trace"},
		{[]string{"dashboard", filepath.Join(dir, "missing.json")}, 1, "missing.json"},
		{[]string{"dashboard", notProfile}, 1, "not a taskgraph profile"},
		{[]string{"dashboard", notProfile, "--addr", "0.0.0.0:0"}, 1, "not a taskgraph profile"},
	} {
		code, stdout, stderr := tg(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.says) || stdout != "" {
			t.Errorf("taskgraph %s: exit %d, stderr %q, stdout %q; want exit %d saying %q",
				strings.Join(c.args, " "), code, stderr, stdout, c.code, c.says)
		}
	}
	if fs := files(t, dir); len(fs) != 1 {
		t.Errorf("files left behind: %v", fs)
	}
}

// TestDashboardReport: a run with --dashboard and --report prints the
// page's address, writes one self-contained file, and stops serving when
// it ends; the profile it saved replays into a report with the same
// totals.
func TestDashboardReport(t *testing.T) {
	dir := t.TempDir()
	report, prof, replay := filepath.Join(dir, "r.html"), filepath.Join(dir, "p.json"), filepath.Join(dir, "replay.html")
	code, stdout, stderr := tg(t, "run", "pi", "--samples", "1e6", "--chunks", "4", "--dashboard", "127.0.0.1:0", "--report", report, "--profile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^dashboard: http://127\.0\.0\.1:\d+/$`).MatchString(stderr) || !strings.Contains(stderr, "dashboard: wrote "+report) {
		t.Errorf("stderr:\n%s", stderr)
	}
	if !strings.Contains(stdout, "wrote "+prof) {
		t.Errorf("stdout:\n%s", stdout)
	}
	if code, _, stderr := tg(t, "dashboard", prof, "--report", replay); code != 0 {
		t.Fatalf("dashboard --report: exit %d: %s", code, stderr)
	}
	for _, f := range []string{report, replay} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"total":5,"done":5`)) || bytes.Contains(b, []byte(`src="`)) {
			t.Errorf("%s: not a self-contained page of 5 tasks done (%d bytes)", f, len(b))
		}
	}
}

// TestDashboardPublic: an address other machines can reach is served only
// when asked for, with a warning.
func TestDashboardPublic(t *testing.T) {
	code, _, stderr := tg(t, "run", "pi", "--samples", "1e4", "--chunks", "2", "--dashboard", "0.0.0.0:0", "--dashboard-public")
	if code != 0 || !strings.Contains(stderr, "dashboard: warning: serving on") ||
		!regexp.MustCompile(`(?m)^dashboard: http://127\.0\.0\.1:\d+/$`).MatchString(stderr) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// syncBuffer is a buffer that a running command writes to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDashboardHold: with --hold the page stays after the run, until the
// command's context ends (Ctrl-C); the API reports the finished run.
func TestDashboardHold(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exit := make(chan int)
	go func() {
		exit <- Run(ctx, []string{"run", "pi", "--samples", "1e5", "--chunks", "3", "--dashboard", "127.0.0.1:0", "--hold"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "serving until Ctrl-C") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no hold message: %s (exit %d)", stderr.String(), <-exit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	url := regexp.MustCompile(`http://\S+`).FindString(stderr.String())
	resp, err := http.Get(url + "api/snapshot")
	if err != nil {
		cancel()
		<-exit
		t.Fatal(err)
	}
	var s struct {
		Total, Done int
		State       string
	}
	json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if fmt.Sprint(s) != "{4 4 done}" {
		t.Errorf("snapshot %+v", s)
	}
	if !strings.Contains(stdout.String(), "4 tasks on") {
		t.Errorf("the report should come before the hold: %q", stdout.String())
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("exit %d after Ctrl-C: %s", code, stderr.String())
	}
}
