package render

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/secopsdesign/secops"
)

func htmlOf(t *testing.T, d *secops.Design) string {
	t.Helper()
	var b strings.Builder
	if err := HTML(context.Background(), &b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	idRE   = regexp.MustCompile(`\bid="([^"]*)"`)
	hrefRE = regexp.MustCompile(`\bhref="([^"]*)"`)
	// outRE matches what would make a browser fetch something.
	outRE = regexp.MustCompile(`(?i)<\w[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*?\s(src|srcset|action|xlink:href|poster|data)\s*=|url\(|@import|<(link|script|iframe|img|object|embed|image|use)\b`)
)

// TestHTMLStructure: in both examples, ids are unique and every link
// inside the page leads to one; nothing refers outside the page; there is
// a card per detection, a drawn flow per playbook, and every method's
// procedure, in the process table and inline in the steps.
func TestHTMLStructure(t *testing.T) {
	for _, ds := range designs {
		t.Run(ds.name, func(t *testing.T) {
			d := load(t, ds.path, ds.optional)
			page := htmlOf(t, d)
			ids := map[string]int{}
			for _, m := range idRE.FindAllStringSubmatch(page, -1) {
				ids[html.UnescapeString(m[1])]++
			}
			for id, n := range ids {
				if n > 1 {
					t.Errorf("id %q is used %d times", id, n)
				}
			}
			for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
				target, ok := strings.CutPrefix(html.UnescapeString(m[1]), "#")
				if !ok {
					t.Errorf("link %q leaves the page", m[1])
					continue
				}
				if ids[target] == 0 {
					t.Errorf("link to #%s, which the page does not have", target)
				}
			}
			if m := outRE.FindString(page); m != "" {
				t.Errorf("the page can fetch something: %q", m)
			}
			if got, want := strings.Count(page, `<article class="card`), len(d.Criteria.Detections); got != want {
				t.Errorf("%d cards, want one per detection (%d)", got, want)
			}
			if got, want := strings.Count(page, "<svg"), len(d.Playbooks); got != want {
				t.Errorf("%d flows drawn, want one per playbook (%d)", got, want)
			}
			for _, p := range d.Processes {
				for _, me := range p.Methods {
					if n := strings.Count(page, esc(joinFolded(me.Procedure))); n < 1 {
						t.Errorf("method %s: procedure missing", me.ID)
					}
				}
			}
		})
	}
}

// TestHTMLReference checks what an analyst reads for a C&C alert of the
// reference design: the card names the confirmation, the playbook, the
// triage party and who approves; the steps carry their decisions in words
// with numbers, and the responses their performer.
func TestHTMLReference(t *testing.T) {
	d := load(t, referencePath, false)
	page := htmlOf(t, d)
	card := page[strings.Index(page, `id="detection-mssp-c2-threat-intel"`):]
	card = card[:strings.Index(card, "</article>")]
	tests := []struct{ name, in, want string }{
		{"card: confirmation first", card, `<dt>最初に確認</dt><dd><a href="#process-0.1">0.1 標的型攻撃の確認</a>: 標的型攻撃の確認結果: はい`},
		{"card: playbook", card, `<a href="#playbook-targeted-attack-triage">標的型攻撃による情報漏えい</a>`},
		{"card: triage", card, `<dt>トリアージ</dt><dd>CSIRTチーム (自社)</dd>`},
		{"card: approval", card, `CSIRTチーム (自社) (<a href="#response-fr-1">fr-1</a>、<a href="#response-fr-4">fr-4</a>)<br>不要 (<a href="#response-fr-5">fr-5</a>)`},
		{"card: targets", card, `High</a> (一次対応の目標時間 2h、対応の目標時間 2w)`},
		{"decision in words", page, `<span class="num">6.1</span> 同事象が確認された別端末ありの場合 → <a href="#step-targeted-attack-triage-continuity-all">手順 7「攻撃継続確認 (事象が確認できた全端末)」</a> <span class="cel"><code>size(fields.other_hosts) &gt; 0</code></span>`},
		{"confirmation as decision 0", page, `<span class="num">0.1</span> 標的型攻撃の確認結果: はいの場合 → <a href="#step-targeted-attack-triage-exfil-data">`},
		{"performer from the RACI", page, `<dt>実施</dt><dd>情報システム部 (自社) (責任 (A): CSIRTチーム (自社))</dd>`},
		{"rollback per method", page, `<td><a href="#method-2.2.1">2.2.1 被害端末の隔離</a></td><td>EDRで隔離を解除する。 (<code>edr.release_host</code>)</td>`},
		{"folded text rejoined", page, "バンキングトロジャン"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.in, tt.want) {
				t.Errorf("missing %q", tt.want)
			}
		})
	}
}

// TestHTMLHostile: text from the design cannot make markup, in the page
// or in its SVG.
func TestHTMLHostile(t *testing.T) {
	for _, s := range []string{`<script>alert(1)</script>`, `"><img src=x>`, `&amp;`, `]]>`, "<!--", `</svg>`,
		`\`, `\N`, `\"`, "line\nbreak", `<b>`, `{`, `->`, "C&C/マルウェア", "end", "subgraph", `%%{init: {}}%%`} {
		t.Run(s, func(t *testing.T) {
			page := htmlOf(t, hostileDesign(s))
			for _, bad := range []string{"<script", "<img", "</svg><", "<!--<"} {
				if strings.Contains(s, bad[:4]) && strings.Contains(page, bad) {
					t.Errorf("page holds %q", bad)
				}
			}
			if m := outRE.FindString(page); m != "" {
				t.Errorf("the page can fetch something: %q", m)
			}
		})
	}
}

func TestHTMLNil(t *testing.T) {
	if err := HTML(context.Background(), new(strings.Builder), nil); err == nil {
		t.Error("HTML(nil): no error")
	}
	if err := SVG(context.Background(), new(strings.Builder), nil, nil); err == nil {
		t.Error("SVG(nil, nil): no error")
	}
}

// TestHTMLConcurrent renders from several goroutines at once: the
// in-process Graphviz is shared, and the results are all the same.
func TestHTMLConcurrent(t *testing.T) {
	d := load(t, referencePath, false)
	want := htmlOf(t, d)
	errs := make(chan error, 4)
	pages := make(chan string, 4)
	for range 4 {
		go func() {
			var b strings.Builder
			errs <- HTML(context.Background(), &b, d)
			pages <- b.String()
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		if got := <-pages; got != want {
			t.Error("a concurrent rendering differs")
		}
	}
}
