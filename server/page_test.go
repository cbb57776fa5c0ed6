package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/browsertest"
	"github.com/secopsdesign/secops/server"
)

// TestPageInBrowser signs in to the page in headless Chromium with the
// CSIRT's token, answers the confirmation the run waits for with the
// form, sees the run waiting for its approval, approves it, and sees it
// completed, with JavaScript disabled. The sign-in cookie is Secure, HttpOnly and SameSite=Strict.
func TestPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	browsertest.Path(t)
	h := newHarness(t)
	r := h.do("POST", "/v1/alerts", "soc", labAlert(t))
	id := r.record(t).ID

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx := browsertest.New(ctx, t, 1000, 800)

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	// The page works without JavaScript: the browser runs none.
	step("disable scripts", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	})
	step("sign in",
		chromedp.Navigate(h.hs.URL+"/"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", h.secrets["csirt-lead"]),
		chromedp.Click("#signin"),
		chromedp.WaitVisible("#actor"))
	signedIn := text("#actor")
	// The confirmation (a yes/no output) is answered with the form.
	step("see the task", chromedp.WaitVisible("#answer-"+id))
	task := text("#run-" + id + " h4")
	step("confirm",
		chromedp.SetValue(`select[name="out.confirmed"]`, "true"),
		chromedp.Click("#answer-"+id),
		// Then the aggregation: a list, one value a line.
		chromedp.WaitVisible(`textarea[name="out.iocs"]`),
		chromedp.SendKeys(`textarea[name="out.iocs"]`, "203.0.113.7\n198.51.100.9"),
		chromedp.Click("#answer-"+id),
		chromedp.WaitVisible(`input[name="out.report_decision"]`),
		chromedp.SendKeys(`input[name="out.report_decision"]`, "report"),
		chromedp.Click("#answer-"+id),
		chromedp.WaitVisible("#approve-"+id),
		// Back on the list: the run waits for the approval.
		chromedp.Navigate(h.hs.URL+"/"),
		chromedp.WaitVisible("#approve-"+id))
	approval := text("#run-" + id + " h4")
	approveLabel := text("#approve-" + id)
	// What the approver sees before approving: the actions with the
	// address and the host they act on, what the triage found, the time
	// left against the first-response target, and where the run stands.
	actions := text("#actions-" + id)
	gathered := text("#gathered-" + id)
	targets := text("#targets-" + id)
	waiting := text("#status-" + id)
	cookies, err := chromedp.Run(bctx, chromedp.Action[network.GetCookiesResult](func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
	}))
	if err != nil {
		t.Fatal(err)
	}
	// Three hours later (the run's start moved back in the store), the
	// first-response target of 2h has passed: the card says so in words.
	stored, err := h.store.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	stored.Started = stored.Started.Add(-3 * time.Hour)
	if err := h.store.Save(ctx, stored); err != nil {
		t.Fatal(err)
	}
	step("see the breach", chromedp.Navigate(h.hs.URL+"/runs/"+id), chromedp.WaitVisible("#targets-"+id))
	breach := text("#targets-" + id)
	breachWords := text("#targets-" + id + " .breach")
	// Approved from the list, the approval leads to the run's own page
	// (the list has no #back), which says where it stands.
	step("approve", chromedp.Navigate(h.hs.URL+"/"), chromedp.WaitVisible("#approve-"+id),
		chromedp.Click("#approve-"+id), chromedp.WaitVisible("#back"))
	status := text("#status-" + id)
	type seen struct {
		SignedIn, Task, Approval, ApproveLabel, Waiting, Status string
		Cookie                                                  string
	}
	got := seen{SignedIn: signedIn, Task: task, Approval: approval, ApproveLabel: approveLabel, Waiting: waiting, Status: status}
	for _, c := range cookies.Cookies {
		if c.Name == server.SessionCookie {
			got.Cookie = "secure=" + boolText(c.Secure) + " httponly=" + boolText(c.HTTPOnly) + " samesite=" + string(c.SameSite)
		}
	}
	want := seen{SignedIn: "csirt-lead", Task: "作業: 0.1.1 検知内容の確認", Approval: "対応の承認: 送信先の通信遮断 + 隔離 (fr-1)", ApproveLabel: "承認",
		Waiting: "承認待ち", Status: "完了", Cookie: "secure=true httponly=true samesite=Strict"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for _, c := range []struct{ what, text, want string }{
		{"the address to block", actions, `2\.1\.1 送信先の通信遮断\s+firewall\.block_ip\s+[^:]+\(dst_ip\): 203\.0\.113\.7`},
		{"the host to isolate", actions, `2\.2\.1 被害端末の隔離\s+edr\.isolate_host\s+[^:]+\(host\): pc-a`},
		{"the rollbacks", actions, `firewall\.unblock_ip[\s\S]*edr\.release_host`},
		{"the IoCs gathered", gathered, `1\.4\.1 [^\n]+\n[^:]+\(iocs\): 203\.0\.113\.7, 198\.51\.100\.9`},
		{"the time left", targets, `^目標時間 — 初動対応 \(2h\): 残り 1h 5\dm \(`},
		{"the breach", breach, `^目標時間 — 初動対応 \(2h\): 目標時間超過, 期限から (59m|1h 0m) 経過 \(`},
		{"the breach's own words", breachWords, `^目標時間超過$`},
	} {
		if !regexp.MustCompile(c.want).MatchString(c.text) {
			t.Errorf("%s: %q does not match %s", c.what, c.text, c.want)
		}
	}
	for _, header := range []string{"方法", "対象", "手順", "切り戻し"} {
		if !strings.Contains(actions, header) {
			t.Errorf("the actions' header lacks %q: %q", header, actions)
		}
	}
	rec := h.do("GET", "/v1/runs/"+id, "reader", nil).record(t)
	if rec.Status != executor.Completed || rec.Fields["iocs"] == nil || len(rec.Fields["iocs"].([]any)) != 2 {
		t.Errorf("the record: %s, iocs %v", rec.Status, rec.Fields["iocs"])
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestPageCSRF posts the page's forms without the session's CSRF token,
// without a session, and as a party the design does not name: refused,
// the run unchanged.
func TestPageCSRF(t *testing.T) {
	h := newHarness(t)
	id := h.waitingForApproval()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(h.hs.URL+"/signin", url.Values{"token": {h.secrets["csirt-lead"]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("sign-in: %d, cookie %+v", resp.StatusCode, session)
	}
	tests := []struct {
		name   string
		cookie bool
		csrf   string
		want   int
	}{
		{"no session", false, "x", http.StatusUnauthorized},
		{"no CSRF token", true, "", http.StatusForbidden},
		{"a wrong CSRF token", true, "forged", http.StatusForbidden},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", h.hs.URL+"/runs/"+id+"/approve", strings.NewReader(url.Values{"csrf": {tt.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tt.cookie {
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}

	// The infrastructure team, signed in with a good CSRF token, does not
	// see the CSIRT's run and may not approve it.
	resp, err = noRedirect.PostForm(h.hs.URL+"/signin", url.Values{"token": {h.secrets["it-ops"]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	itSession := resp.Cookies()[0]
	req, _ := http.NewRequest("GET", h.hs.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: itSession.Name, Value: itSession.Value})
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil || strings.Contains(string(page), "run-"+id) {
		t.Fatalf("the infrastructure team's page: %s", page)
	}
	req, _ = http.NewRequest("POST", h.hs.URL+"/runs/"+id+"/approve", strings.NewReader(url.Values{"csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: itSession.Name, Value: itSession.Value})
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the infrastructure team approving the CSIRT's run: %d, want 403", resp.StatusCode)
	}
	if rec := h.do("GET", "/v1/runs/"+id, "reader", nil).record(t); rec.Status != executor.Waiting {
		t.Errorf("the run is %s, want still waiting", rec.Status)
	}
}
