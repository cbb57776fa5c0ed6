package render

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
)

// Formats are the formats Format writes: the runbook (Markdown, HTML)
// and the playbooks' flow graphs (Mermaid, DOT).
var Formats = []string{"markdown", "html", "mermaid", "dot"}

// Format writes d to w in format, one of Formats. A playbook id, for
// mermaid and dot only, draws that playbook alone ("" draws them all).
// The options are HTML's.
func Format(ctx context.Context, w io.Writer, d *secops.Design, format string, id ident.ID, opts ...Option) error {
	var p *playbook.Playbook
	if id != "" {
		if format != "mermaid" && format != "dot" {
			return fmt.Errorf("a playbook is drawn alone in formats mermaid and dot only, not %s", format)
		}
		if p = d.Playbook(id); p == nil {
			ids := make([]string, len(d.Playbooks))
			for i, pb := range d.Playbooks {
				ids[i] = string(pb.ID)
			}
			return fmt.Errorf("no playbook %q; the design has: %s", id, strings.Join(ids, ", "))
		}
	}
	switch format {
	case "mermaid":
		return Mermaid(w, d, p)
	case "dot":
		return DOT(w, d, p)
	case "html":
		return HTML(ctx, w, d, opts...)
	case "markdown":
		return Markdown(w, d)
	}
	return fmt.Errorf("format %q: want %s", format, strings.Join(Formats, ", "))
}
