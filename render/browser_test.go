package render

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/secopsdesign/secops/internal/browsertest"
)

// pageReport is what the page says about itself in the browser.
type pageReport struct {
	ScrollWidth int      `json:"scrollWidth"`
	ClientWidth int      `json:"clientWidth"`
	Missing     []string `json:"missing"`  // procedures that are not visible text
	Spills      []string `json:"spills"`   // SVG labels that leave their box
	Nodes       int      `json:"nodes"`    // SVG nodes checked
	Squeezed    []string `json:"squeezed"` // text a few characters a line
}

// inspectJS is run in the page with the procedures to look for as its
// argument. Text is compared without white space, as the browser lays it
// out. A label spills when its text's box, measured in the font the
// browser chose, leaves the box of its node's shape.
const inspectJS = `(procs) => {
  const squash = s => s.replace(/\s+/g, "");
  const text = squash(document.body.innerText);
  const missing = procs.filter(p => !text.includes(squash(p)));
  const spills = [];
  let nodes = 0;
  for (const g of document.querySelectorAll("svg g.node")) {
    const shape = g.querySelector("polygon, ellipse, path");
    if (!shape) continue;
    nodes++;
    const b = shape.getBBox();
    for (const t of g.querySelectorAll("text")) {
      const r = t.getBBox();
      if (r.x < b.x - 0.5 || r.x + r.width > b.x + b.width + 0.5 || r.y < b.y - 0.5 || r.y + r.height > b.y + b.height + 0.5) {
        spills.push(t.textContent + " [text " + [r.x, r.y, r.width, r.height].map(Math.round) + " box " + [b.x, b.y, b.width, b.height].map(Math.round) + "]");
      }
    }
  }
  // Text squeezed into a column a few characters wide: three lines or
  // more of fewer than five characters each.
  const squeezed = [];
  for (const el of document.querySelectorAll("td, th, dd, dt, li, p, h3, h4")) {
    const text = el.innerText.trim();
    if (text === "") continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom))).size;
    if (lines >= 3 && text.length / lines < 5) {
      squeezed.push(text.slice(0, 40) + " [" + lines + " lines, " + Math.round(el.getBoundingClientRect().width) + " px]");
    }
  }
  const e = document.documentElement;
  return JSON.stringify({scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, missing, spills, nodes, squeezed});
}`

// TestHTMLInBrowser opens the HTML runbooks of both examples in headless
// Chromium at 1,000 px: nothing scrolls sideways, no text is squeezed
// into a column a few characters wide, every method's procedure is
// visible text, no label of the drawn flows spills out of its
// box, and the page requests nothing but itself.
func TestHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	browsertest.Path(t)
	for _, ds := range designs[:2] {
		t.Run(ds.name, func(t *testing.T) {
			d := load(t, ds.path, ds.optional)
			var procs []string
			for _, p := range d.Processes {
				for _, me := range p.Methods {
					procs = append(procs, joinFolded(me.Procedure))
				}
			}
			var page strings.Builder
			if err := HTML(context.Background(), &page, d); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "runbook.html")
			if err := os.WriteFile(file, []byte(page.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			pageURL := (&url.URL{Scheme: "file", Path: file}).String()

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			bctx := browsertest.New(ctx, t, 1000, 800)

			var mu sync.Mutex
			var requests []string
			// chromedp enables the Network domain of every tab it opens.
			err := chromedp.Listen(bctx, func(ev any) {
				if r, ok := ev.(*network.EventRequestWillBeSent); ok && r.Request.URL != pageURL {
					mu.Lock()
					requests = append(requests, r.Request.URL)
					mu.Unlock()
				}
			})
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			err = chromedp.Do(bctx,
				chromedp.EmulateViewport(1000, 800),
				chromedp.Navigate(pageURL),
				chromedp.WaitReady("body"),
			)
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			raw, err := chromedp.Run(bctx, chromedp.Evaluate[string]("("+inspectJS+")("+mustJSON(t, procs)+")"))
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			var got pageReport
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			if got.ScrollWidth > got.ClientWidth {
				t.Errorf("the page scrolls sideways at 1,000 px: scrollWidth %d > clientWidth %d", got.ScrollWidth, got.ClientWidth)
			}
			for _, p := range got.Missing {
				t.Errorf("procedure not visible: %q", p)
			}
			if got.Nodes == 0 {
				t.Error("no SVG nodes in the page")
			}
			for _, s := range got.Squeezed {
				t.Errorf("text squeezed into a narrow column: %s", s)
			}
			for _, s := range got.Spills {
				t.Errorf("label spills out of its box: %s", s)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, r := range requests {
				t.Errorf("the page requested %s", r)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
