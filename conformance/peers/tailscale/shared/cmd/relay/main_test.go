package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With RELAY_TEST_FAKE_DERPER set to a directory, this test binary plays
// derper: attempt N (counted in that directory) does what the Nth word of
// RELAY_TEST_PLAN says: "taken" exits as derper does when its port is gone,
// "fail" exits 1 for another reason, "serve" listens on -a, writes its PID
// and serves until SIGTERM.
func TestMain(m *testing.M) {
	if dir := os.Getenv("RELAY_TEST_FAKE_DERPER"); dir != "" {
		os.Exit(fakeDerper(dir))
	}
	os.Exit(m.Run())
}

func fakeDerper(dir string) int {
	n := 0
	if b, err := os.ReadFile(filepath.Join(dir, "attempts")); err == nil {
		n, _ = strconv.Atoi(string(b))
	}
	os.WriteFile(filepath.Join(dir, "attempts"), []byte(strconv.Itoa(n+1)), 0o600)
	plan := strings.Fields(os.Getenv("RELAY_TEST_PLAN"))
	addr := ""
	for i, a := range os.Args {
		if a == "-a" && i+1 < len(os.Args) {
			addr = os.Args[i+1]
		}
	}
	switch plan[min(n, len(plan)-1)] {
	case "taken":
		fmt.Fprintf(os.Stderr, "derper: listen tcp %s: bind: address already in use\n", addr)
		return 1
	case "fail":
		fmt.Fprintln(os.Stderr, "derper: no such certificate")
		return 1
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer ln.Close()
	os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	return 0
}

// runFake runs the adapter on the fake derper with plan, stops the fake
// derper by its PID once the ready file appears, and gives the adapter's
// exit status, the fake's attempts and the ready file's text.
func runFake(t *testing.T, plan string) (status, attempts int, ready string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("RELAY_TEST_FAKE_DERPER", dir)
	t.Setenv("RELAY_TEST_PLAN", plan)
	readyFile := filepath.Join(dir, "ready")
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-a", "127.0.0.1:0", "--ready-file", readyFile, "--derper", os.Args[0]})
	}()
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case status = <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "attempts"))
			attempts, _ = strconv.Atoi(string(b))
			r, _ := os.ReadFile(readyFile)
			return status, attempts, string(r)
		case <-tick.C:
			if _, err := os.Stat(readyFile); err != nil {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil {
				if pid, err := strconv.Atoi(string(b)); err == nil {
					syscall.Kill(pid, syscall.SIGTERM)
				}
			}
		case <-deadline:
			t.Fatalf("plan %q: the adapter did not exit in 20 s", plan)
		}
	}
}

func TestLostPortIsPickedAgain(t *testing.T) {
	status, attempts, ready := runFake(t, "taken taken serve")
	if status != 0 || attempts != 3 {
		t.Fatalf("status %d after %d attempts, want 0 after 3", status, attempts)
	}
	if _, port, err := net.SplitHostPort(ready); err != nil || port == "0" {
		t.Fatalf("ready file %q names no picked port", ready)
	}
}

func TestOtherEarlyExitIsNotRetried(t *testing.T) {
	status, attempts, ready := runFake(t, "fail serve")
	if status != 1 || attempts != 1 || ready != "" {
		t.Fatalf("status %d after %d attempts, ready %q; want 1 after 1, no ready file", status, attempts, ready)
	}
}

func TestLostPortAttemptsAreBounded(t *testing.T) {
	status, attempts, _ := runFake(t, "taken")
	if status != 1 || attempts != portAttempts {
		t.Fatalf("status %d after %d attempts, want 1 after %d", status, attempts, portAttempts)
	}
}

// A listener on the port that another process holds is not derper's.
func TestProcListeningIsTheProcesssOwn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	mine, err := procListening(port, os.Getpid())
	if err != nil {
		t.Skipf("skipped: no /proc here: %v", err)
	}
	if !mine {
		t.Fatalf("port %d: this process's listener not found", port)
	}
	if theirs, _ := procListening(port, os.Getppid()); theirs {
		t.Fatalf("port %d: counted as the parent process's listener", port)
	}
}
