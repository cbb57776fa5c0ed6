package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/playbook"
)

// svgProlog matches what comes before the <svg> element: the XML
// declaration, the doctype and Graphviz's comments.
var svgProlog = regexp.MustCompile(`(?s)\A.*?(<svg\b)`)

// svgSize matches the fixed width and height Graphviz gives the <svg>.
var svgSize = regexp.MustCompile(`<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)

// SVG writes the flow of playbook p of d as an SVG image drawn by
// Graphviz (by default the secops-graphviz helper, see Helper; no system
// Graphviz needed): the DOT of DOT, with every node sized from the width
// of its text, so that labels stay inside their boxes whatever sans-serif
// font draws them. The image scales down to the width of its container.
// p must not be nil.
func SVG(ctx context.Context, w interface{ Write([]byte) (int, error) }, d *secops.Design, p *playbook.Playbook, opts ...Option) error {
	if d == nil || p == nil {
		return errors.New("render: SVG needs a design and one of its playbooks")
	}
	svg, err := playbookSVG(ctx, newOptions(opts).drawer, d, p)
	if err != nil {
		return err
	}
	_, err = w.Write(svg)
	return err
}

func playbookSVG(ctx context.Context, dr Drawer, d *secops.Design, p *playbook.Playbook) ([]byte, error) {
	var src strings.Builder
	writeDOT(&src, d, p, true)
	return dotToSVG(ctx, dr, src.String())
}

// dotToSVG lays out a DOT graph and returns its <svg> element, without the
// XML prolog, sized to scale: width 100% up to its natural width.
func dotToSVG(ctx context.Context, dr Drawer, src string) ([]byte, error) {
	out, err := dr.DrawSVG(ctx, []byte(src))
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(out, []byte("<svg")) {
		return nil, errors.New("render: the drawer returned no <svg> element")
	}
	svg := svgProlog.ReplaceAll(out, []byte("$1"))
	svg = svgSize.ReplaceAllFunc(svg, func(m []byte) []byte {
		sub := svgSize.FindSubmatch(m)
		return []byte(fmt.Sprintf(`<svg role="img" style="max-width:100%%;height:auto" width="%spt" height="%spt"`, sub[1], sub[2]))
	})
	return bytes.TrimSpace(svg), nil
}
