package runstore_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

func TestFileWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.json")
	f := runstore.NewFile(path)
	rec := storetest.Record("run-1", executor.Running, "x", "low", 0)
	if err := f.Checkpoint(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := f.Checkpoint(t.Context(), rec); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left beside the record: %v", names)
	}
	got, err := f.Load()
	if err != nil || got.Version != 4 {
		t.Errorf("Load: version %v, %v; want 4", got.Version, err)
	}
	if err := runstore.NewFile(path).Create(storetest.Record("run-2", executor.Running, "x", "low", 0)); !errors.Is(err, runstore.ErrExists) {
		t.Errorf("Create over an existing record: %v, want ErrExists", err)
	}
	other := storetest.Record("run-2", executor.Running, "x", "low", 0)
	other.Version = 4
	if err := f.Save(other); err == nil || !strings.Contains(err.Error(), "holds run run-1, not run-2") {
		t.Errorf("Save of another run over the file: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"not JSON", "{\n  \"id\": \"r\",\n  oops\n}", "run.json: not a run record: line 3: invalid JSON"},
		{"array", `[1, 2]`, "run.json: not a run record: want a JSON object, got array"},
		{"other format", `{"format": "secops-adapters/v1", "id": "x"}`, `run.json: format "secops-adapters/v1" is not a run record (secops-record/v1)`},
		{"no id", `{"status": "completed"}`, "run.json: not a run record: it has no id"},
		{"wrong type", `{"id": "r1", "events": {"a": 1}}`, "run.json: run r1: events: want a list, got object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runstore.Decode("run.json", []byte(tt.body))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestFileClaimAcrossProcesses: a process that holds a record's claim
// keeps others out, naming its pid, until it dies, however it dies.
func TestFileClaimAcrossProcesses(t *testing.T) {
	if os.Getenv("RUNSTORE_HOLD") != "" {
		c, err := runstore.NewFile(os.Getenv("RUNSTORE_HOLD")).Claim(runstore.Holder())
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		_ = c
		fmt.Println("held")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "run.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileClaimAcrossProcesses$")
	cmd.Env = append(os.Environ(), "RUNSTORE_HOLD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		t.Fatalf("holder said %q", line)
	}
	_, err = runstore.NewFile(path).Claim("me")
	var ce *runstore.ClaimedError
	if !errors.As(err, &ce) || !strings.Contains(ce.Holder, fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Fatalf("claim while another process holds it: %v, want a *ClaimedError naming pid %d", err, cmd.Process.Pid)
	}
	// kill -9: the OS drops the lock.
	cmd.Process.Kill()
	cmd.Wait()
	c, err := runstore.NewFile(path).Claim("me")
	if err != nil {
		t.Fatalf("claim after the holder died: %v", err)
	}
	c.Release(t.Context())
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is left after release: %v", err)
	}
}

// TestFileLinksAndLeftovers: a link to a record is that record (one
// claim, writes to the target), and a claim clears temporary files a
// killed writer left.
func TestFileLinksAndLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.json")
	rec := storetest.Record("run-1", executor.Running, "x", "low", 0)
	if err := runstore.NewFile(path).Create(rec); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, ".run.json.12345.tmp")
	os.WriteFile(leftover, []byte("{"), 0o600)
	c, err := runstore.NewFile(link).Claim("a")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release(t.Context())
	if _, err := runstore.NewFile(path).Claim("b"); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("claim of the target while its link is claimed: %v", err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the leftover temporary file is still there: %v", err)
	}
	if err := runstore.NewFile(link).Save(rec); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file: %v", err)
	}
	if got, _ := runstore.NewFile(path).Load(); got.Version != 2 {
		t.Errorf("the target has version %d, want 2", got.Version)
	}
}

func TestDesignName(t *testing.T) {
	dir := t.TempDir()
	f := runstore.NewFile(filepath.Join(dir, "runs", "r.json"))
	other := filepath.Join(t.TempDir(), "d.yaml")
	tests := []struct{ design, want string }{
		{filepath.Join(dir, "runs", "d.yaml"), "d.yaml"},
		{filepath.Join(dir, "runs", "x", "d.yaml"), filepath.Join("x", "d.yaml")},
		{filepath.Join(dir, "d.yaml"), filepath.Join("..", "d.yaml")},
		{other, other}, // further away: absolute
	}
	for _, tt := range tests {
		got := f.DesignName(tt.design)
		if got != tt.want {
			t.Errorf("DesignName(%s) = %s, want %s", tt.design, got, tt.want)
		}
		if back := f.DesignPath(&executor.Record{Design: got}); back != tt.design {
			t.Errorf("DesignPath of %s = %s, want %s", got, back, tt.design)
		}
	}
	if p := f.DesignPath(&executor.Record{}); p != "" {
		t.Errorf("DesignPath of a record naming none = %q", p)
	}
}
