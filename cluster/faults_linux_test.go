package cluster

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// parentEnv, set to a server's URL, makes the test binary a parent that
// starts one worker of that server the way Local does (with childAttr),
// prints the worker's pid and waits to be killed.
const parentEnv = "TASKGRAPH_TEST_PARENT_OF_WORKER"

func init() {
	url := os.Getenv(parentEnv)
	if url == "" {
		return
	}
	os.Unsetenv(parentEnv) // the worker is no parent
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), WorkerEnv+"="+url)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
	// The kernel's parent-death signal follows the thread that started
	// the child: this one, which sleeps here until the test kills the
	// process.
	time.Sleep(time.Hour)
	os.Exit(1)
}

// A worker process dies with the program that started it, even when that
// program is SIGKILLed and cannot stop it: the server stays up, so only
// the parent-death signal can end the worker.
func TestWorkerDiesWithItsParent(t *testing.T) {
	c, l := serverOnly(t, 20*time.Second)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(exe)
	parent.Env = append(os.Environ(), parentEnv+"="+l.URL())
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { parent.Process.Kill(); parent.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("the parent printed %q: %v %v", line, err, perr)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails
	if err := c.ping(guard(t)); err != nil {
		t.Fatalf("the worker never answered: %v", err)
	}
	if alive(pid) != nil {
		t.Fatalf("worker %d is not running before its parent dies", pid)
	}
	parent.Process.Kill()
	parent.Wait()
	waitFor(t, func() bool { return alive(pid) != nil })
}

// alive returns nil while process pid runs; an exited process that its
// new parent has not reaped yet (a zombie) counts as gone.
func alive(pid int) error {
	if err := syscall.Kill(pid, 0); err != nil {
		return err
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return err
	}
	// The state follows the command name in parentheses: "pid (comm) S …".
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return fmt.Errorf("process %d is a zombie", pid)
	}
	return nil
}
