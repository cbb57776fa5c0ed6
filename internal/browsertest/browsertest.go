// Package browsertest starts a headless Chromium for the tests that look
// at pages the way people see them (the HTML runbook, the service's
// page), with the flags this kind of machine needs: no sandbox, no GPU,
// no background networking, a fresh profile.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path returns the path of a Chromium or Chrome binary. Without one the
// test skips, except under CI=true, where it fails: CI installs chromium
// (see .ci/run).
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH, and CI=true: pages must be checked in a browser (apt-get install chromium fonts-noto-cjk)")
	}
	t.Skip("no chromium on PATH (Debian: apt-get install chromium fonts-noto-cjk)")
	return ""
}

// New starts a headless browser, width by height pixels, for the life of
// ctx and the test, and returns its context for chromedp.
func New(ctx context.Context, t testing.TB, width, height int) context.Context {
	t.Helper()
	bin := Path(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return bctx
}
