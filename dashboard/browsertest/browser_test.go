// Package browsertest drives the dashboard in a real browser: headless
// Chromium (Debian's chromium package), through chromedp. It is a module
// of its own so that the library's module does not depend on chromedp;
// .ci/run runs it after the library's tests.
//
// Outside CI the tests skip, saying why, when no chromium is installed;
// with CI=true a missing chromium is a failure.
package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// chromium returns the browser's path, or ends the test: a skip outside
// CI, a failure in it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no chromium is installed: .ci/run installs Debian's chromium package")
	}
	t.Skip("no chromium on PATH: install Debian's chromium (apt-get install chromium) to run the browser tests")
	return ""
}

// buildCLI builds the taskgraph command from the repository this module
// sits in.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "taskgraph")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/taskgraph")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a taskgraph process serving a dashboard.
type proc struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr bytes.Buffer
	stdout bytes.Buffer
	done   chan error
}

// start runs the command and waits for the line that gives the page's
// address, which it must print before the run starts.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "dashboard: http://"); ok {
				select {
				case urls <- "http://" + u:
				default:
				}
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	select {
	case p.url = <-urls:
	case err := <-p.done:
		p.done <- err
		t.Fatalf("taskgraph %s ended before serving: %v\n%s", strings.Join(args, " "), err, p.errText())
	case <-time.After(60 * time.Second):
		t.Fatalf("no dashboard address in a minute:\n%s", p.errText())
	}
	return p
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// interrupt sends Ctrl-C and waits for the process to exit cleanly.
func (p *proc) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("after Ctrl-C: %v\n%s", err, p.errText())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after Ctrl-C:\n%s", p.errText())
	}
}

// browser starts headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1500))
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// pageState is what the page shows, read in one evaluation.
type pageState struct {
	State, Pct, Done, Total string
	Stages                  map[string]string // stage name → "done / total"
	Painted                 int               // items the task stream drew
	Coloured                int               // stream pixels in a stage's colour
	Frames                  int
	Scrub                   bool // the time scrubber is shown
}

const readPage = `(() => {
  const q = (s) => document.querySelector(s);
  const stages = {};
  for (const tr of document.querySelectorAll("#stages tr[data-stage]")) stages[tr.dataset.stage] = tr.querySelector("td.total").textContent;
  const cv = q("#stream"), g = cv.getContext("2d"), img = g.getImageData(0, 0, cv.width, cv.height).data;
  let coloured = 0;
  for (let i = 0; i < img.length; i += 4) {
    const r = img[i], gr = img[i + 1], b = img[i + 2];
    if (Math.max(r, gr, b) - Math.min(r, gr, b) > 60) coloured++;
  }
  return { State: q("#state").textContent, Pct: q("#pct").textContent, Done: q("#done").textContent, Total: q("#total").textContent,
    Stages: stages, Painted: window.tgStats.painted, Coloured: coloured, Frames: window.tgStats.frames, Scrub: !q("#scrub").hidden };
})()`

func read(t *testing.T, ctx context.Context) pageState {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return s
}

func pct(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return -1
	}
	return v
}

// snapshot reads /api/snapshot.
func snapshot(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url + "api/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLiveRun watches a run of a few seconds in the browser: progress
// below 100 %, then 100 %, the stage counts, a painted task stream; then
// replays its profile and finds the same totals.
func TestLiveRun(t *testing.T) {
	ctx := browser(t)
	bin := buildCLI(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "pi.json")
	report := filepath.Join(dir, "pi.html")
	// 400 chunks of 10^7 samples: about 25 ms each on 2 workers, a few
	// seconds in all, sparse enough for one rectangle per task.
	live := start(t, bin, "run", "pi", "--samples", "4e9", "--chunks", "400", "--workers", "2",
		"--dashboard", "127.0.0.1:0", "--hold", "--profile", prof, "--report", report)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(live.url)); err != nil {
		t.Fatal(err)
	}

	var below []string // progress readings under 100 %
	liveShot := false
	var s pageState
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s = read(t, ctx)
		if p := pct(s.Pct); p >= 0 && p < 100 && s.State == "running" {
			below = append(below, s.Pct)
			if p >= 40 && !liveShot {
				shot(t, ctx, "dashboard-live.png")
				liveShot = true
			}
		}
		if s.State == "done" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("progress seen while running: %v", below)
	if s.State != "done" {
		t.Fatalf("the page still says %q after 3 minutes:\n%s", s.State, live.errText())
	}
	if len(below) == 0 {
		t.Error("the page never showed progress below 100 % while the run went")
	}
	if s.Pct != "100%" || s.Done != "401" || s.Total != "401" {
		t.Errorf("at the end: %s, %s of %s done", s.Pct, s.Done, s.Total)
	}
	if s.Stages["chunk"] != "400 / 400" || s.Stages["estimate"] != "1 / 1" {
		t.Errorf("stage counts %v", s.Stages)
	}
	if s.Painted == 0 || s.Coloured < 2000 {
		t.Errorf("task stream: %d items painted, %d coloured pixels", s.Painted, s.Coloured)
	}
	if !s.Scrub {
		t.Error("no time scrubber after the run")
	}
	shot(t, ctx, "dashboard.png")

	m := snapshot(t, live.url)
	live.interrupt(t)
	if !strings.Contains(live.stdout.String(), "wrote "+prof) {
		t.Errorf("stdout of the run:\n%s", live.stdout.String())
	}
	if fi, err := os.Stat(report); err != nil || fi.Size() > 1<<20 {
		t.Errorf("report: %v (%v)", fi, err)
	}

	// The saved profile, replayed.
	rep := start(t, bin, "dashboard", prof, "--addr", "127.0.0.1:0")
	r := snapshot(t, rep.url)
	for _, k := range []string{"total", "done", "failed", "workers"} {
		if r[k] != m[k] {
			t.Errorf("%s: live %v, replay %v", k, m[k], r[k])
		}
	}
	if fmt.Sprint(r["stages"]) != fmt.Sprint(m["stages"]) {
		t.Errorf("stages: live %v, replay %v", m["stages"], r["stages"])
	}
	if _, err := chromedp.Run(ctx, chromedp.Navigate(rep.url)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.tgStats.state === "done"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("replay page: %v", err)
	}
	s = read(t, ctx)
	if s.Done != "401" || s.Total != "401" || s.Pct != "100%" || !s.Scrub || s.Frames < 100 {
		t.Errorf("replay page: %+v", s)
	}
	// Half way along the scrubber the run is about half done.
	mid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const sc = document.querySelector("#scrubber");
	  sc.value = Math.floor(sc.max / 2); sc.dispatchEvent(new Event("input")); return document.querySelector("#pct").textContent; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if p := pct(mid); p <= 0 || p >= 100 {
		t.Errorf("half way along the scrubber: %s", mid)
	}
	rep.interrupt(t)

	// The report file shows the run without any server.
	if _, err := chromedp.Run(ctx, chromedp.Navigate("file://"+report)); err != nil {
		t.Fatal(err)
	}
	if s = read(t, ctx); s.Done != "401" || s.Stages["chunk"] != "400 / 400" || s.Coloured < 2000 {
		t.Errorf("report page: %+v", s)
	}
}

// shot takes a screenshot of the page, checks that it is a picture, and
// keeps it: in the test's temporary directory, and in TG_SCREENSHOT_DIR
// when that is set (how the README's picture is made).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("body"))) // the page, no empty viewport below
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 800 || r.Dy() < 600 {
		t.Errorf("screenshot of %v", r)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("TG_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
