package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	graphviz "github.com/goccy/go-graphviz"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/playbook"
)

// The in-process Graphviz is a WebAssembly module; go-graphviz compiles
// it when the program starts (cached on disk under os.TempDir()/go-graphviz
// between processes), and each context made with graphviz.New takes a
// few milliseconds. One context serves the whole process, one rendering
// at a time, since the module is not safe for concurrent use.
var (
	gvOnce = sync.OnceValues(func() (*graphviz.Graphviz, error) {
		return graphviz.New(context.Background())
	})
	gvMu sync.Mutex
)

// svgProlog matches what comes before the <svg> element: the XML
// declaration, the doctype and Graphviz's comments.
var svgProlog = regexp.MustCompile(`(?s)\A.*?(<svg\b)`)

// svgSize matches the fixed width and height Graphviz gives the <svg>.
var svgSize = regexp.MustCompile(`<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)

// SVG writes the flow of playbook p of d as an SVG image drawn by
// Graphviz in process (no system Graphviz needed): the DOT of DOT, with
// every node sized from the width of its text, so that labels stay inside
// their boxes whatever sans-serif font draws them. The image scales down
// to the width of its container. p must not be nil.
func SVG(ctx context.Context, w interface{ Write([]byte) (int, error) }, d *secops.Design, p *playbook.Playbook) error {
	if d == nil || p == nil {
		return errors.New("render: SVG needs a design and one of its playbooks")
	}
	svg, err := playbookSVG(ctx, d, p)
	if err != nil {
		return err
	}
	_, err = w.Write(svg)
	return err
}

func playbookSVG(ctx context.Context, d *secops.Design, p *playbook.Playbook) ([]byte, error) {
	var src strings.Builder
	writeDOT(&src, d, p, true)
	return dotToSVG(ctx, src.String())
}

// dotToSVG lays out a DOT graph and returns its <svg> element, without the
// XML prolog, sized to scale: width 100% up to its natural width.
func dotToSVG(ctx context.Context, src string) ([]byte, error) {
	gv, err := gvOnce()
	if err != nil {
		return nil, fmt.Errorf("render: starting Graphviz: %w", err)
	}
	gvMu.Lock()
	defer gvMu.Unlock()
	g, err := graphviz.ParseBytes([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("render: Graphviz cannot read the flow: %w", err)
	}
	defer g.Close()
	var out bytes.Buffer
	if err := gv.Render(ctx, g, graphviz.SVG, &out); err != nil {
		return nil, fmt.Errorf("render: Graphviz: %w", err)
	}
	svg := svgProlog.ReplaceAll(out.Bytes(), []byte("$1"))
	svg = svgSize.ReplaceAllFunc(svg, func(m []byte) []byte {
		sub := svgSize.FindSubmatch(m)
		return []byte(fmt.Sprintf(`<svg role="img" style="max-width:100%%;height:auto" width="%spt" height="%spt"`, sub[1], sub[2]))
	})
	return bytes.TrimSpace(svg), nil
}
