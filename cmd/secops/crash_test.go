package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
)

// binaries builds secops, its SVG helper secops-graphviz (next to it, as
// "go install ./cmd/..." puts them) and the lab integration once for the
// tests that run them as separate processes.
var binaries = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "secops-bin")
	if err != nil {
		return "", err
	}
	for name, pkg := range map[string]string{"secops": ".", "secops-graphviz": "../secops-graphviz", "lab": "../../examples/lab"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir, nil
})

// labEnv is a folder with the lab integration set up for the reference
// design: adapters.yaml (edr hanging in hang, when set), the alert, the
// people's answers, and the lab's log and state.
type labEnv struct {
	t                              *testing.T
	bin, dir, adapters, log, alert string
	answers                        string
}

func newLab(t *testing.T, hang string) *labEnv {
	t.Helper()
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	design, _ := filepath.Abs(referenceDesign)
	src, err := os.ReadFile(design)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "design.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	l := &labEnv{t: t, bin: bin, dir: dir, log: filepath.Join(dir, "lab.log")}
	l.writeAdapters(hang)
	alert, _ := os.ReadFile("../../examples/lab/alert.json")
	l.alert = l.write("alert.json", string(alert))
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	answers, _ := json.Marshal(map[ident.Number]map[string]any{"0.1.1": {"confirmed": true}, "1.4.1": sc.Outputs["1.4.1"], "1.27.1": sc.Outputs["1.27.1"]})
	l.answers = l.write("answers.json", string(answers))
	return l
}

func (l *labEnv) write(name, text string) string {
	p := filepath.Join(l.dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		l.t.Fatal(err)
	}
	return p
}

func (l *labEnv) writeAdapters(hang string) {
	lab, _ := filepath.Abs("../../examples/lab/lab.json")
	env := fmt.Sprintf(`{LAB_LOG: %q, LAB_STATE: %q, LAB_HANG: %q}`, l.log, filepath.Join(l.dir, "state"), hang)
	var b strings.Builder
	b.WriteString("format: secops-adapters/v1\nadapters:\n")
	for _, name := range []string{"edr", "firewall", "threatintel"} {
		fmt.Fprintf(&b, "  - {name: %s, kind: command, command: [%q, %q], env: %s, timeout: 2m}\n", name, filepath.Join(l.bin, "lab"), lab, env)
	}
	l.adapters = l.write("adapters.yaml", b.String())
}

// secops runs the secops binary in the lab's folder.
func (l *labEnv) secops(args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(l.bin, "secops"), args...)
	cmd.Dir = l.dir
	cmd.Env = append(os.Environ(), "SECOPS_ACTOR=tester")
	return cmd
}

func (l *labEnv) run(args ...string) (int, string) {
	cmd := l.secops(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		l.t.Fatal(err)
	}
	return 0, out.String()
}

func (l *labEnv) record(name string) *executor.Record {
	l.t.Helper()
	rec, err := runstore.NewFile(filepath.Join(l.dir, name)).Load()
	if err != nil {
		l.t.Fatal(err)
	}
	return rec
}

// received counts the requests the lab received per idempotency key, and
// the actions it took per method.
func (l *labEnv) received() (keys map[string]int, acted map[string]int) {
	b, _ := os.ReadFile(l.log)
	keys, acted = map[string]int{}, map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 4 && f[2] == "received":
			keys[strings.TrimPrefix(f[3], "key=")]++
		case len(f) >= 3 && f[2] != "repeat":
			acted[f[1]+" "+f[2]]++
		}
	}
	return keys, acted
}

// toApproval runs the lab alert to the approval of fr-1.
func (l *labEnv) toApproval(record string) {
	l.t.Helper()
	if code, out := l.run("run", "design.yaml", "--adapters", l.adapters, "--alert", l.alert, "--record", record); code != 0 {
		l.t.Fatalf("run: exit %d\n%s", code, out)
	}
	if code, out := l.run("resume", record, "--adapters", l.adapters, "--outputs", l.answers); code != 0 || !strings.Contains(out, "--approve") {
		l.t.Fatalf("resume with the answers: exit %d\n%s", code, out)
	}
}

// waitForCall waits until the record shows the call of method started.
func (l *labEnv) waitForCall(cmd *exec.Cmd, record string, method ident.Number) {
	l.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if rec, err := runstore.NewFile(filepath.Join(l.dir, record)).Load(); err == nil {
			for _, c := range rec.Uncertain() {
				if c.Method == method {
					time.Sleep(200 * time.Millisecond) // let the lab receive it
					return
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	l.t.Fatalf("the call of %s never started", method)
}

// TestCrashDuringContainment: secops killed with SIGKILL while the EDR
// isolates the host. The journal alone says what happened: the block took
// effect, the isolation is in doubt; resume refuses to guess, and each way
// of recovering calls nothing twice but the call in doubt, with its key.
func TestCrashDuringContainment(t *testing.T) {
	l := newLab(t, "isolate_host")
	l.toApproval("run.json")
	cmd := l.secops("resume", "run.json", "--adapters", l.adapters, "--approve")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l.waitForCall(cmd, "run.json", "2.2.1")
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	rec := l.record("run.json")
	unc := rec.Uncertain()
	if rec.Status != executor.Running || len(rec.Applied) != 1 || rec.Applied[0] != "2.1.1" || len(unc) != 1 || unc[0].Method != "2.2.1" {
		t.Fatalf("after kill -9: status %s, applied %v, in doubt %+v", rec.Status, rec.Applied, unc)
	}
	key := unc[0].IdempotencyKey
	// The lab's child died with secops: the isolation never happened.
	time.Sleep(time.Second)
	if _, acted := l.received(); acted["2.2.1 isolate_host"] != 0 || acted["2.1.1 block_ip"] != 1 {
		t.Fatalf("actions after the kill: %v", acted)
	}

	code, out := l.run("resume", "run.json", "--adapters", l.adapters)
	for _, want := range []string{"run.json: the run was interrupted during a call; whether it took effect is unknown", "method 2.2.1: edr.isolate_host with {\"host\":\"pc-a\"}",
		"--recover retry", "--recover applied", "the record is unchanged"} {
		if code != 2 || !strings.Contains(out, want) {
			t.Errorf("resume without --recover: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}

	// Applied, on a copy: nothing is called again.
	b, _ := os.ReadFile(filepath.Join(l.dir, "run.json"))
	l.write("copy.json", string(b))
	if code, out := l.run("resume", "copy.json", "--adapters", l.adapters, "--recover", "applied"); code != 0 {
		t.Fatalf("--recover applied: exit %d\n%s", code, out)
	}
	if c := l.record("copy.json"); c.Status != executor.Completed || len(c.Applied) != 2 {
		t.Errorf("after --recover applied: status %s, applied %v", c.Status, c.Applied)
	}
	if keys, _ := l.received(); keys[key] != 1 {
		t.Errorf("--recover applied called the isolation again: %d requests with its key", keys[key])
	}

	// Retry: the isolation is called again, with the same key; nothing
	// else is.
	l.writeAdapters("")
	if code, out := l.run("resume", "run.json", "--adapters", l.adapters, "--recover", "retry"); code != 0 {
		t.Fatalf("--recover retry: exit %d\n%s", code, out)
	}
	rec = l.record("run.json")
	if rec.Status != executor.Completed || len(rec.Applied) != 2 {
		t.Errorf("after --recover retry: status %s, applied %v", rec.Status, rec.Applied)
	}
	keys, acted := l.received()
	for k, n := range keys {
		want := 1
		if k == key {
			want = 2
		}
		if n != want {
			t.Errorf("key %s received %d times, want %d", k, n, want)
		}
	}
	if acted["2.2.1 isolate_host"] != 1 || acted["2.1.1 block_ip"] != 1 {
		t.Errorf("actions: %v", acted)
	}
	// Rollback undoes both.
	if code, out := l.run("rollback", "run.json", "--adapters", l.adapters); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	if rec := l.record("run.json"); len(rec.RolledBack) != 2 || rec.Status != executor.Completed {
		t.Errorf("after rollback: rolled back %v, status %s", rec.RolledBack, rec.Status)
	}
}

// TestSignalsStopAtCheckpoint: SIGTERM, SIGHUP and SIGINT during the
// containment stop the command with 128+N; the record is interrupted
// with the call in doubt, and the integration's process is killed.
func TestSignalsStopAtCheckpoint(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			l := newLab(t, "isolate_host")
			l.toApproval("run.json")
			cmd := l.secops("resume", "run.json", "--adapters", l.adapters, "--approve")
			var out bytes.Buffer
			cmd.Stderr = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			l.waitForCall(cmd, "run.json", "2.2.1")
			begin := time.Now()
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
				t.Errorf("exit %v, want %d\n%s", err, 128+int(sig), out.String())
			}
			if d := time.Since(begin); d > 10*time.Second {
				t.Errorf("took %v to stop", d)
			}
			rec := l.record("run.json")
			if rec.Status != executor.Interrupted || len(rec.Uncertain()) != 1 {
				t.Errorf("status %s, in doubt %+v", rec.Status, rec.Uncertain())
			}
			time.Sleep(500 * time.Millisecond)
			if _, acted := l.received(); acted["2.2.1 isolate_host"] != 0 {
				t.Errorf("the isolation went on after the signal: %v", acted)
			}
			if !strings.Contains(out.String(), "stopped during a call") || !strings.Contains(out.String(), "secops resume run.json --adapters "+l.adapters+" --recover retry") {
				t.Errorf("output:\n%s", out.String())
			}
		})
	}
}

// TestTwoResumes: two secops resume --approve of one record started
// together: exactly one runs the response.
func TestTwoResumes(t *testing.T) {
	l := newLab(t, "")
	l.toApproval("run.json")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	outs := make([]string, 2)
	for i := range 2 {
		wg.Go(func() { codes[i], outs[i] = l.run("resume", "run.json", "--adapters", l.adapters, "--approve") })
	}
	wg.Wait()
	ok := 0
	for i := range 2 {
		switch codes[i] {
		case 0:
			ok++
		case 2:
			if !strings.Contains(outs[i], "in use by another secops process (pid ") && !strings.Contains(outs[i], "not waiting") {
				t.Errorf("the refused resume says:\n%s", outs[i])
			}
		default:
			t.Errorf("exit %d:\n%s", codes[i], outs[i])
		}
	}
	if ok != 1 {
		t.Errorf("%d resumes ran, want 1:\n%s\n%s", ok, outs[0], outs[1])
	}
	if _, acted := l.received(); acted["2.1.1 block_ip"] != 1 || acted["2.2.1 isolate_host"] != 1 {
		t.Errorf("actions: %v", acted)
	}
	entries, _ := os.ReadDir(l.dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") || strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestCrashWithSQLiteStore: the same crash with the run kept in a SQLite
// store: while the process lives its claim keeps others out, saying when
// it lapses; once it was killed, its claim lapses at once (it was a
// process of this host), and a new process recovers the run with the
// same idempotency key.
func TestCrashWithSQLiteStore(t *testing.T) {
	l := newLab(t, "isolate_host")
	spec := "sqlite:" + filepath.Join(l.dir, "runs.db")
	code, out := l.run("run", "design.yaml", "--adapters", l.adapters, "--alert", l.alert, "--store", spec)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	db, err := sqlite.Open(filepath.Join(l.dir, "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	page, err := db.List(t.Context(), runstore.Query{})
	if err != nil || len(page.Runs) != 1 {
		t.Fatalf("runs: %v %v", page.Runs, err)
	}
	id := page.Runs[0].ID
	if code, out := l.run("resume", id, "--store", spec, "--adapters", l.adapters, "--outputs", l.answers); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	cmd := l.secops("resume", id, "--store", spec, "--adapters", l.adapters, "--approve")
	// A claim of an hour: only the death of its holder lets it go sooner.
	cmd.Env = append(cmd.Env, "SECOPS_CLAIM_TTL=1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec, err := db.Load(t.Context(), id)
		if err == nil && len(rec.Uncertain()) == 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the isolation never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The live process's claim holds.
	code, out = l.run("resume", id, "--store", spec, "--adapters", l.adapters, "--recover", "retry")
	if code != 2 || !strings.Contains(out, "is in use by another secops process (pid "+fmt.Sprint(cmd.Process.Pid)) || !strings.Contains(out, "its claim lapses at") {
		t.Errorf("resume while the claim holds: exit %d\n%s", code, out)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	// The dead process's claim does not: the run's call is uncertain.
	l.writeAdapters("")
	code, out = l.run("resume", id, "--store", spec, "--adapters", l.adapters)
	if code != 2 || !strings.Contains(out, "--recover retry") {
		t.Errorf("resume without --recover: exit %d\n%s", code, out)
	}
	if code, out := l.run("resume", id, "--store", spec, "--adapters", l.adapters, "--recover", "retry"); code != 0 {
		t.Fatalf("--recover retry: exit %d\n%s", code, out)
	}
	rec, err := db.Load(t.Context(), id)
	if err != nil || rec.Status != executor.Completed || len(rec.Applied) != 2 {
		t.Fatalf("after recovery: %v %s %v", err, rec.Status, rec.Applied)
	}
	keys, acted := l.received()
	unc := ""
	for k, n := range keys {
		if n == 2 {
			unc = k
		} else if n != 1 {
			t.Errorf("key %s received %d times", k, n)
		}
	}
	if !strings.HasSuffix(unc, "/response/fr-1/2.2.1") || acted["2.2.1 isolate_host"] != 1 || acted["2.1.1 block_ip"] != 1 {
		t.Errorf("repeated key %q, actions %v", unc, acted)
	}
	code, out = l.run("runs", "list", "--store", spec, "--status", "completed")
	if code != 0 || !strings.Contains(out, id) {
		t.Errorf("runs list: exit %d\n%s", code, out)
	}
}
