package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	graphviz "github.com/goccy/go-graphviz"

	"github.com/secopsdesign/secops/internal/gvcache/tmpdir" // before go-graphviz's init: see its doc
	"github.com/secopsdesign/secops/internal/gvproto"
)

// maxDOT caps a graph read from a file or standard input.
const maxDOT = 64 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx := context.Background()
	switch {
	case len(args) == 1 && args[0] == gvproto.ServeFlag:
		if err := serve(ctx, stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "secops-graphviz: %v\n", err)
			return 1
		}
		return 0
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprint(stdout, usage)
		return 0
	case len(args) > 1 || len(args) == 1 && len(args[0]) > 1 && args[0][0] == '-':
		fmt.Fprint(stderr, usage)
		return 2
	}
	in := stdin
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "secops-graphviz: %v\n", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	src, err := io.ReadAll(io.LimitReader(in, maxDOT+1))
	if err != nil {
		fmt.Fprintf(stderr, "secops-graphviz: %v\n", err)
		return 2
	}
	if len(src) > maxDOT {
		fmt.Fprintf(stderr, "secops-graphviz: the graph is larger than %d MiB\n", maxDOT>>20)
		return 2
	}
	gv, err := graphviz.New(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "secops-graphviz: starting Graphviz: %v\n", err)
		return 1
	}
	defer gv.Close()
	svg, err := draw(ctx, gv, src)
	if err != nil {
		fmt.Fprintf(stderr, "secops-graphviz: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(svg); err != nil {
		fmt.Fprintf(stderr, "secops-graphviz: %v\n", err)
		return 1
	}
	return 0
}

const usage = `usage: secops-graphviz [FILE]    draw a Graphviz DOT graph as SVG
       secops-graphviz -serve    serve secops (see internal/gvproto)
`

// serve answers requests until its input ends.
func serve(ctx context.Context, in io.Reader, out io.Writer) error {
	gv, err := graphviz.New(ctx)
	if err != nil {
		return fmt.Errorf("starting Graphviz: %w", err)
	}
	defer gv.Close()
	enc := json.NewEncoder(out)
	hello := gvproto.Hello{Program: gvproto.Program, Version: gvproto.Version, Cache: tmpdir.Dir}
	if tmpdir.Err != nil {
		hello.NoCache = tmpdir.Err.Error()
	}
	if err := enc.Encode(hello); err != nil {
		return err
	}
	dec := json.NewDecoder(in)
	for {
		var req gvproto.Request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading a request: %w", err)
		}
		var reply gvproto.Reply
		svg, err := draw(ctx, gv, []byte(req.DOT))
		if err != nil {
			reply.Error = err.Error()
			reply.Fatal = errors.Is(err, errPanic)
		} else {
			reply.SVG = string(svg)
		}
		if err := enc.Encode(reply); err != nil {
			return err
		}
		if reply.Fatal {
			return errors.New(reply.Error)
		}
	}
}

// errPanic marks a drawing that panicked inside go-graphviz, after which
// the module's state is unknown.
var errPanic = errors.New("Graphviz failed")

// draw lays out one DOT graph and returns Graphviz's SVG.
func draw(ctx context.Context, gv *graphviz.Graphviz, src []byte) (svg []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			svg, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	g, err := graphviz.ParseBytes(src)
	if err != nil {
		return nil, fmt.Errorf("Graphviz cannot read the graph: %w", err)
	}
	defer g.Close()
	var out bytes.Buffer
	if err := gv.Render(ctx, g, graphviz.SVG, &out); err != nil {
		return nil, fmt.Errorf("Graphviz: %w", err)
	}
	return out.Bytes(), nil
}
