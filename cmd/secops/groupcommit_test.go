package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
)

// TestKillServeUnderLoad: secops serve on SQLite, its checkpoints of
// concurrent runs sharing transactions (group commit), is killed with
// SIGKILL while 24 clients post alerts and answers: every adapter call
// the lab received is in the store as journaled before it was made.
func TestKillServeUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no load")
	}
	l := newLab(t, "")
	answers, err := os.ReadFile(l.answers)
	if err != nil {
		t.Fatal(err)
	}
	answerBody := []byte(`{"outputs": ` + string(answers) + `}`)
	alert, err := os.ReadFile(l.alert)
	if err != nil {
		t.Fatal(err)
	}
	cmd := l.secops("serve", "design.yaml", "--adapters", l.adapters, "--addr", "127.0.0.1:0", "--store", "sqlite:runs.db", "--workers", "16")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	addrs := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`"addr":"(http://[^"]+)"`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var base string
	select {
	case base = <-addrs:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}

	var stop atomic.Bool
	var answered atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(url, key string, body []byte) (*http.Response, error) {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		return client.Do(req)
	}
	var wg sync.WaitGroup
	for c := range 24 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				resp, err := post(base+"/v1/alerts", fmt.Sprintf("load-%d-%d", c, i), alert)
				if err != nil {
					return // killed
				}
				var rec struct{ ID string }
				json.NewDecoder(resp.Body).Decode(&rec)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					time.Sleep(10 * time.Millisecond) // 503: the queue is full
					continue
				}
				if resp, err = post(base+"/v1/runs/"+rec.ID+"/answers", "", answerBody); err != nil {
					return
				}
				resp.Body.Close()
				answered.Add(1)
			}
		})
	}
	// Kill it in the midst of the calls.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if keys, _ := l.received(); len(keys) >= 150 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lab received too few calls")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	killed = true
	stop.Store(true)
	wg.Wait()

	st, err := sqlite.Open(filepath.Join(l.dir, "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	journaled := map[string]bool{}
	runs := 0
	for page, err := range runstore.Pages(t.Context(), st, runstore.Query{Limit: runstore.MaxLimit}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Runs {
			rec, err := st.Load(t.Context(), s.ID)
			if err != nil {
				t.Fatal(err)
			}
			runs++
			for _, ev := range rec.Events {
				if ev.IdempotencyKey != "" {
					journaled[ev.IdempotencyKey] = true
				}
			}
		}
	}
	keys, _ := l.received()
	var lost []string
	for k := range keys {
		if !journaled[k] {
			lost = append(lost, k)
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("%d of %d calls the lab received are not in the store: %s", len(lost), len(keys), strings.Join(lost[:min(len(lost), 10)], ", "))
	}
	t.Logf("killed with %d answers done and the others in flight: %d runs stored, %d calls received, each journaled before it was made", answered.Load(), runs, len(keys))
}
