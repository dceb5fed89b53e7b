package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/pflag"
)

// oneLine checks that stderr is one line that names what.
func oneLine(t *testing.T, name, stderr, what string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.Contains(stderr, what) {
		t.Errorf("%s: stderr %q, want one line naming %q", name, stderr, what)
	}
}

// Bad values of the new run flags: exit 2, one line naming the flag,
// nothing on stdout, no file.
func TestRunFlagsBadValues(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cases := []struct {
		args []string
		says string
	}{
		{[]string{"--retries=-1"}, "--retries: must not be negative"},
		{[]string{"--retries=101"}, "--retries: at most 100"},
		{[]string{"--retries=x"}, `"--retries"`},
		{[]string{"--timeout=-1s"}, "--timeout: must not be negative"},
		{[]string{"--timeout=soon"}, `"--timeout"`},
		{[]string{"--limit=slot"}, "--limit: \"slot\" is not NAME=N"},
		{[]string{"--limit==3"}, "--limit:"},
		{[]string{"--limit=slot=0"}, "--limit: \"slot=0\": N must be"},
		{[]string{"--limit=slot=x"}, "--limit:"},
		{[]string{"--limit=a=1", "--limit=a=2"}, "--limit: \"a\" is limited twice"},
		{[]string{"--log-format=xml"}, "--log-format: \"xml\" is not one of text, json"},
		{[]string{"--quiet", "--json"}, "--quiet and --json"},
		{[]string{"--keep-going=maybe"}, `"--keep-going"`},
		{[]string{"--workers=1025"}, "--workers: at most 1024"},
	}
	for _, c := range cases {
		args := append([]string{"run", "testing", "--profile", "p.json"}, c.args...)
		code, stdout, stderr := tg(t, args...)
		name := strings.Join(c.args, " ")
		if code != 2 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		oneLine(t, name, stderr, c.says)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
}

// --keep-going runs what does not depend on a failure and reports every
// failure, one line each (and the skipped tasks in one line), exit 1;
// without it the run stops at the first.
func TestKeepGoing(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	code, stdout, stderr := tg(t, "run", "testing", "--n=6", "--fail=1,4", "--keep-going", "--workers=2", "--profile", prof)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "task 1: the task failed") || !strings.Contains(lines[1], "task 4: the task failed") || !strings.Contains(lines[2], "1 task skipped") {
		t.Errorf("stderr lines %q", lines)
	}
	// The partial results: the profile shows the four tasks that ran.
	var doc struct{ Done, Failed, Skipped int }
	b, _ := os.ReadFile(prof)
	if err := json.Unmarshal(b, &doc); err != nil || doc.Done != 4 || doc.Failed != 2 || doc.Skipped != 1 {
		t.Errorf("profile %+v, %v", doc, err)
	}
	code, _, stderr = tg(t, "run", "testing", "--n=6", "--fail=1,4", "--workers=1")
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "task 1: the task failed") {
		t.Errorf("fail-fast: exit %d, stderr %q", code, stderr)
	}
}

// A pipeline whose tasks take no task options (wordcount's bag stages,
// generators' shared stream) refuses them rather than ignoring them.
func TestTaskOptionsNobodyHonours(t *testing.T) {
	in := writeText(t, t.TempDir(), "a.txt", "a b b\n")
	for _, args := range [][]string{
		{"run", "wordcount", "--input", in, "--retries=2"},
		{"run", "generators", "--n=10", "--timeout=1s", "--limit=x=1"},
	} {
		code, stdout, stderr := tg(t, args...)
		if code != 2 || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q", args, code, stdout)
		}
		oneLine(t, strings.Join(args, " "), stderr, "nothing would honour them")
	}
}

func TestRetries(t *testing.T) {
	code, stdout, stderr := tg(t, "run", "testing", "--flaky=0,2", "--retries=1")
	if code != 0 || !strings.Contains(stdout, "4 tasks") {
		t.Errorf("--retries=1: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = tg(t, "run", "testing", "--flaky=2")
	if code != 1 || !strings.Contains(stderr, "task 2: the task failed") {
		t.Errorf("no retries: exit %d, stderr %q", code, stderr)
	}
}

func TestTimeout(t *testing.T) {
	code, stdout, stderr := tg(t, "run", "testing", "--sleep=1h", "--timeout=20ms")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "deadline exceeded") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = tg(t, "run", "testing", "--sleep=1ms", "--timeout=1m")
	if code != 0 {
		t.Errorf("a generous timeout: exit %d, stderr %q", code, stderr)
	}
	// A pipeline whose tasks take a context honours it in the middle.
	code, _, stderr = tg(t, "run", "pi", "--samples=9e18", "--chunks=2", "--timeout=30ms", "--workers=2")
	if code != 1 || !strings.Contains(stderr, "deadline exceeded") {
		t.Errorf("pi: exit %d, stderr %q", code, stderr)
	}
}

// --limit slot=1: no two tasks holding the resource at once, whatever
// the workers.
func TestLimit(t *testing.T) {
	code, stdout, stderr := tg(t, "run", "testing", "--n=6", "--sleep=5ms", "--workers=3", "--limit=slot=1", "--json")
	var doc struct {
		OK     bool
		Result struct{ Tasks, Peak int }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); code != 0 || err != nil || !doc.OK || doc.Result.Peak != 1 || doc.Result.Tasks != 6 {
		t.Errorf("exit %d, %v, stdout %q, stderr %q", code, err, stdout, stderr)
	}
}

// --log writes every task's start and end through log/slog, as text or
// JSON, to a file or standard error.
func TestLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.log")
	code, _, stderr := tg(t, "run", "testing", "--n=3", "--log", path, "--log-format=json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	f, _ := os.Open(path)
	defer f.Close()
	msgs := map[string]int{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var rec struct{ Msg string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		msgs[rec.Msg]++
	}
	if msgs["run start"] != 1 || msgs["run done"] != 1 || msgs["task done"] != 4 {
		t.Errorf("log messages %v", msgs)
	}
	code, stdout, stderr := tg(t, "run", "testing", "--n=2", "--log=-")
	if code != 0 || !strings.Contains(stderr, `msg="run start"`) || !strings.Contains(stderr, `msg="task done"`) || !strings.Contains(stdout, "2 tasks") {
		t.Errorf("--log=-: exit %d, stderr %q", code, stderr)
	}
	fifo := filepath.Join(t.TempDir(), "log.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err == nil {
		code, _, stderr = tg(t, "run", "testing", "--log", fifo)
		if code != 1 {
			t.Errorf("a FIFO nobody reads: exit %d", code)
		}
		oneLine(t, "log FIFO", stderr, "nobody is reading")
	}
	// An output that cannot be written fails the run before it starts,
	// and leaves no log behind either.
	logDir := t.TempDir()
	code, _, stderr = tg(t, "run", "testing", "--log", filepath.Join(logDir, "run.log"), "--profile", filepath.Join(logDir, "no", "p.json"))
	if got := files(t, logDir); code != 1 || len(got) != 0 {
		t.Errorf("unwritable profile: exit %d, left %q", code, got)
	}
	oneLine(t, "unwritable profile", stderr, "p.json")
	// A log that was there before is not removed (here a device).
	code, _, _ = tg(t, "run", "testing", "--log", os.DevNull, "--profile", filepath.Join(logDir, "no", "p.json"))
	if fi, err := os.Stat(os.DevNull); code != 1 || err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s after a failed run: exit %d, %v", os.DevNull, code, err)
	}
	code, _, stderr = tg(t, "run", "testing", "--log", filepath.Join(t.TempDir(), "no", "x.log"))
	if code != 1 {
		t.Errorf("unwritable log: exit %d", code)
	}
	oneLine(t, "unwritable log", stderr, "cannot write")
}

// --json prints one document: the report, or the errors.
func TestJSON(t *testing.T) {
	code, stdout, stderr := tg(t, "run", "pi", "--samples=1e4", "--chunks=4", "--json")
	var doc jsonReport
	if err := json.Unmarshal([]byte(stdout), &doc); code != 0 || err != nil || stderr != "" {
		t.Fatalf("exit %d, %v, stdout %q, stderr %q", code, err, stdout, stderr)
	}
	res, _ := doc.Result.(map[string]any)
	if !doc.OK || doc.Pipeline != "pi" || doc.Tasks != 5 || res["samples"] != 1e4 || res["pi"].(float64) < 3 || res["pi"].(float64) > 3.3 ||
		strings.Join(doc.Args, " ") != "--chunks=4 --samples=10000 --seed=1" || len(doc.Lines) != 2 {
		t.Errorf("report %+v", doc)
	}
	code, stdout, stderr = tg(t, "run", "testing", "--fail=0", "--json")
	doc = jsonReport{}
	if err := json.Unmarshal([]byte(stdout), &doc); code != 1 || err != nil || doc.OK || len(doc.Errors) != 1 || doc.Result != nil {
		t.Errorf("failed run: exit %d, %v, %+v", code, err, doc)
	}
	oneLine(t, "failed --json", strings.SplitN(stderr, "\n", 2)[0]+"\n", "task 0")
}

// --quiet prints nothing on success, and still writes the outputs.
func TestQuiet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.png")
	code, stdout, stderr := tg(t, "run", "mandelbrot", "--width=16", "--height=16", "--tiles=2", "--out", out, "-q", "--progress")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
	code, _, stderr = tg(t, "run", "testing", "--fail=0", "--quiet")
	if code != 1 || !strings.Contains(stderr, "task 0") {
		t.Errorf("a failure under --quiet: exit %d, stderr %q", code, stderr)
	}
}

// Defaults from the environment sit below flags; config shows each
// value's source.
func TestEnvironment(t *testing.T) {
	t.Setenv("TASKGRAPH_WORKERS", "3")
	_, stdout, _ := tg(t, "run", "testing")
	if !strings.Contains(stdout, "on 3 workers") {
		t.Errorf("TASKGRAPH_WORKERS=3: %q", stdout)
	}
	_, stdout, _ = tg(t, "run", "testing", "--workers=1")
	if !strings.Contains(stdout, "on 1 worker\n") {
		t.Errorf("the flag should win: %q", stdout)
	}
	t.Setenv("TASKGRAPH_LOG_FORMAT", "json")
	code, stdout, stderr := tg(t, "config", "--retries=2")
	if code != 0 {
		t.Fatalf("config: exit %d, %q", code, stderr)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			rows[f[0]] = strings.Join(f[1:], " ")
		}
	}
	for name, want := range map[string]string{
		"SETTING":    "VALUE SOURCE VARIABLE",
		"workers":    "3 environment TASKGRAPH_WORKERS TASKGRAPH_WORKERS",
		"log-format": "json environment TASKGRAPH_LOG_FORMAT TASKGRAPH_LOG_FORMAT",
		"retries":    "2 flag --retries TASKGRAPH_RETRIES",
		"timeout":    "0s default TASKGRAPH_TIMEOUT",
	} {
		if rows[name] != want {
			t.Errorf("config row %s: %q, want %q\n%s", name, rows[name], want, stdout)
		}
	}
	t.Setenv("TASKGRAPH_WORKERS", "lots")
	code, stdout, stderr = tg(t, "run", "testing")
	if code != 2 || stdout != "" {
		t.Errorf("TASKGRAPH_WORKERS=lots: exit %d, stdout %q", code, stdout)
	}
	oneLine(t, "TASKGRAPH_WORKERS=lots", stderr, "TASKGRAPH_WORKERS")
	t.Setenv("TASKGRAPH_WORKERS", "5000")
	code, _, stderr = tg(t, "run", "testing")
	if code != 2 {
		t.Errorf("TASKGRAPH_WORKERS=5000: exit %d", code)
	}
	oneLine(t, "TASKGRAPH_WORKERS=5000", stderr, "--workers: at most 1024")
}

func TestListJSON(t *testing.T) {
	code, stdout, _ := tg(t, "list", "--json")
	var ps []jsonPipeline
	if err := json.Unmarshal([]byte(stdout), &ps); code != 0 || err != nil || len(ps) != 5 {
		t.Fatalf("exit %d, %v: %q", code, err, stdout)
	}
	for _, p := range ps {
		if p.Name == "generators" {
			for _, f := range p.Flags {
				if f.Name == "seq" && strings.Join(f.Values, " ") != "even fibonacci integers" {
					t.Errorf("--seq values %q", f.Values)
				}
			}
		}
		if p.Name == "pi" && (len(p.Flags) != 3 || p.Flags[1].Name != "samples" || p.Flags[1].Default != "100000000") {
			t.Errorf("pi flags %+v", p.Flags)
		}
	}
}

func gzipped(t *testing.T, dir, name, text string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(text))
	w.Close()
	p := filepath.Join(dir, name)
	os.WriteFile(p, b.Bytes(), 0o644)
	return p
}

func TestWordCountFlags(t *testing.T) {
	in := t.TempDir()
	writeText(t, in, "a.txt", strings.Repeat("the cat saw the dog\n", 500))
	dir := t.TempDir()
	csvOut, jsonOut := filepath.Join(dir, "top.csv"), filepath.Join(dir, "top.json")
	var first string
	for _, extra := range [][]string{nil, {"--partitions=7"}, {"--block-size=1KiB"}, {"--block-size=100", "--partitions=3"}} {
		args := append([]string{"run", "wordcount", "--input", filepath.Join(in, "*.txt"), "--top=3", "--out", csvOut}, extra...)
		code, stdout, stderr := tg(t, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d, %q", extra, code, stderr)
		}
		head := strings.SplitN(stdout, "wall time", 2)[0]
		if first == "" {
			first = head
		} else if head != first {
			t.Errorf("%q changes the counts:\n%s\nwant\n%s", extra, head, first)
		}
	}
	f, _ := os.Open(csvOut)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 4 || strings.Join(recs[0], ",") != "rank,word,count" || strings.Join(recs[1], ",") != "1,the,1000" {
		t.Errorf("CSV %q, %v", recs, err)
	}
	code, _, stderr := tg(t, "run", "wordcount", "--input", filepath.Join(in, "a.txt"), "--out", jsonOut)
	var doc struct {
		Words int
		Top   []struct {
			Rank  int
			Word  string
			Count int
		}
	}
	b, _ := os.ReadFile(jsonOut)
	if err := json.Unmarshal(b, &doc); code != 0 || err != nil || doc.Words != 2500 || doc.Top[0].Word != "the" || doc.Top[0].Rank != 1 {
		t.Errorf("JSON: exit %d %q, %v, %+v", code, stderr, err, doc)
	}

	// Bad values, and no partial file when the run fails.
	bad := t.TempDir()
	t.Chdir(bad)
	broken := gzipped(t, in, "broken.gz", "x")
	os.WriteFile(broken, []byte("\x1f\x8b not really gzip"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--partitions=-1"}, 2, "--partitions: must not be negative"},
		{[]string{"--partitions=1e9"}, 2, "--partitions: at most"},
		{[]string{"--block-size=12XB"}, 2, `"--block-size"`},
		{[]string{"--block-size=-1"}, 2, "--block-size: must not be negative"},
		{[]string{"--out=top.txt"}, 2, "--out: cannot tell the format"},
		{[]string{"--out", filepath.Join(bad, "no", "top.csv")}, 1, "cannot write"},
		{[]string{"--input", broken, "--out=top.csv"}, 1, "broken.gz"},
	} {
		args := append([]string{"run", "wordcount", "--input", filepath.Join(in, "a.txt")}, c.args...)
		code, stdout, stderr := tg(t, args...)
		name := strings.Join(c.args, " ")
		if code != c.code || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		oneLine(t, name, stderr, c.says)
		if got := files(t, bad); len(got) != 0 {
			t.Errorf("%s: left %q", name, got)
		}
	}
}

// A command of one's own takes defaults from the environment with
// EnvDefault and ApplyEnv, and config shows them.
func TestEnvDefaultOfOwnFlag(t *testing.T) {
	EnvDefault("test-greeting", func(fs *pflag.FlagSet) { fs.String("test-greeting", "hello", "a greeting") })
	t.Setenv("TASKGRAPH_TEST_GREETING", "bonjour")
	code, stdout, _ := tg(t, "config")
	if code != 0 || !strings.Contains(strings.Join(strings.Fields(stdout), " "), "test-greeting bonjour environment TASKGRAPH_TEST_GREETING") {
		t.Errorf("config:\n%s", stdout)
	}
	fs := pflag.NewFlagSet("own", pflag.ContinueOnError)
	g := fs.String("test-greeting", "hello", "")
	fs.Parse(nil)
	if err := ApplyEnv(fs); err != nil || *g != "bonjour" {
		t.Errorf("ApplyEnv: %q, %v", *g, err)
	}
	fs = pflag.NewFlagSet("own", pflag.ContinueOnError)
	g = fs.String("test-greeting", "hello", "")
	fs.Parse([]string{"--test-greeting=hi"})
	if err := ApplyEnv(fs); err != nil || *g != "hi" {
		t.Errorf("the flag should win: %q, %v", *g, err)
	}
}
